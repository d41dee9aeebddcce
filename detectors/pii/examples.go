package pii

import "github.com/winnow-data/winnow/detectors"

// ex builds a positive example; neg a near-miss negative.
func ex(kind, text, want string) detectors.Example {
	return detectors.Example{Text: text, Kind: kind, Want: want}
}
func neg(text string) detectors.Example { return detectors.Example{Text: text} }

// Examples returns true positives and near-miss negatives. The slice is
// fresh on every call.
func (*Email) Examples() []detectors.Example {
	k := KindEmail
	return []detectors.Example{
		ex(k, "Contact john.doe@example.com for details.", "john.doe@example.com"),
		ex(k, "Mail me: Jane_Roe+news@mail.co.uk.", "Jane_Roe+news@mail.co.uk"),
		ex(k, "邮箱：zhang.san@qq.com，谢谢", "zhang.san@qq.com"),
		ex(k, "联系邮箱zhang@163.com的人", "zhang@163.com"),
		ex(k, "Write to josé.garcía@correo.es today", "josé.garcía@correo.es"),
		ex(k, "IDN: 用户@例子.中国", "用户@例子.中国"),
		ex(k, `<a href="mailto:support@mozilla.org">`, "support@mozilla.org"),
		ex(k, "QQ邮箱 123456789@qq.com", "123456789@qq.com"),
		ex(k, "punycode ops@xn--fiqs8s.xn--fiqs8s ok", "ops@xn--fiqs8s.xn--fiqs8s"),
		neg("@decorator\ndef handler(): pass"),
		neg("@property\ndef name(self): return self._name"),
		neg("send it to user@localhost please"),
		neg("ssh admin@buildserver and restart"),
		neg(`<img src="logo@2x.png">`),
		neg("npm install lodash@4.17.21 @babel/core@7.22.0"),
		neg("git clone git@github.com:owner/repo.git"),
		neg("follow @jack and @jill.smith on twitter"),
		neg("value = obj@scope.method(x)"),
		neg("contact a@b.c now"),
		neg("file report@final.docx attached"),
		neg("https://user:hunter2@example.com/path"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*Phone) Examples() []detectors.Example {
	k := KindPhone
	return []detectors.Example{
		ex(k, "Call me at +44 20 7946 0958 tomorrow.", "+44 20 7946 0958"),
		ex(k, "Office: (415) 555-2671, ask for Ann", "(415) 555-2671"),
		ex(k, "US line +1 415-555-2671.", "+1 415-555-2671"),
		ex(k, "London office 020 7946 0958", "020 7946 0958"),
		ex(k, "Paris: +33 1 23 45 67 89", "+33 1 23 45 67 89"),
		ex(k, "WhatsApp +91 98765 43210 anytime", "+91 98765 43210"),
		ex(k, "Phone: 4155552671", "4155552671"),
		ex(k, "tel:+49 30 901820", "+49 30 901820"),
		ex(k, "Berlin: 030 901820", "030 901820"),
		ex(k, "fax 415.555.2671", "415.555.2671"),
		neg("Released on 2024-01-15 at 12:30:45."),
		neg("Order #555-123-4567 has shipped"),
		neg("version 1.2.3.4567 is out"),
		neg("event at 1700000000123 ms"),
		neg("ISBN 978-3-16-148410-0"),
		neg("uuid 123e4567-e89b-12d3-a456-426614174000"),
		neg("server 192.168.100.254 is down"),
		neg("call 555-0100 now"),
		neg("it costs $415 555 2671"),
		neg("ID 4155552671 in the table"),
		neg("+86 138 0013 8000"),
		neg("ratio 415,555,267"),
		neg("SSN 536-22-8495"),
		neg("+1 000 000 0000"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*CreditCard) Examples() []detectors.Example {
	k := KindCreditCard
	return []detectors.Example{
		ex(k, "Card: 4111 1111 1111 1111 exp 12/27", "4111 1111 1111 1111"),
		ex(k, "visa 4012888888881881", "4012888888881881"),
		ex(k, "MC 5555-5555-5555-4444.", "5555-5555-5555-4444"),
		ex(k, "mastercard 2221000000000009", "2221000000000009"),
		ex(k, "amex 3782 822463 10005", "3782 822463 10005"),
		ex(k, "discover 6011000990139424", "6011000990139424"),
		ex(k, "jcb 3530111333300000", "3530111333300000"),
		ex(k, "银联卡号6212345678901232", "6212345678901232"),
		ex(k, "diners 3622 720627 1667", "3622 720627 1667"),
		ex(k, "maestro 6759649826438453", "6759649826438453"),
		ex(k, "信用卡：４１１１１１１１１１１１１１１１", "４１１１１１１１１１１１１１１１"),
		neg("card 4111 1111 1111 1112"),
		neg("4111-1111 1111-1111"),
		neg("id 1234567812345670"),
		neg("order no 4111111111111111"),
		neg("hash a4111111111111111f"),
		neg("41111 11111 111111"),
		neg("7111111111111111"),
		neg("5555 5555 5555 4445"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*IBAN) Examples() []detectors.Example {
	k := KindIBAN
	return []detectors.Example{
		ex(k, "IBAN: DE89 3704 0044 0532 0130 00.", "DE89 3704 0044 0532 0130 00"),
		ex(k, "pay to GB82WEST12345698765432 today", "GB82WEST12345698765432"),
		ex(k, "NO9386011117947", "NO9386011117947"),
		ex(k, "IBAN FR14 2004 1010 0505 0001 3M02 606 (EUR)", "FR14 2004 1010 0505 0001 3M02 606"),
		ex(k, "账号 NL91ABNA0417164300", "NL91ABNA0417164300"),
		neg("DE89 3704 0044 0532 0130 01"),
		neg("GB82WEST1234569876543"),
		neg("XX89370400440532013000"),
		neg("DE89 37040044 0532 0130 00"),
		neg("de89370400440532013000"),
		neg("ID_DE89370400440532013000"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*USSSN) Examples() []detectors.Example {
	k := KindUSSSN
	return []detectors.Example{
		ex(k, "SSN: 536-22-8495", "536-22-8495"),
		ex(k, "her number is 078-12-3456.", "078-12-3456"),
		ex(k, "social security number 536228495", "536228495"),
		ex(k, "SSN 536 22 8495", "536 22 8495"),
		neg("000-12-3456"),
		neg("666-12-3456"),
		neg("912-34-5678"),
		neg("536-00-8495"),
		neg("536-22-0000"),
		neg("078-05-1120"),
		neg("id 536228495"),
		neg("536 22 8495"),
		neg("536-22 8495"),
		neg("order 536-22-8495"),
		neg("call 536-22-84951"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*IPAddress) Examples() []detectors.Example {
	k := KindIPAddress
	return []detectors.Example{
		ex(k, "client 8.8.8.8 connected", "8.8.8.8"),
		ex(k, "from 1.1.1.1:443.", "1.1.1.1"),
		ex(k, "dns 2001:4860:4860::8888.", "2001:4860:4860::8888"),
		ex(k, "[2606:4700:4700::1111]:53", "2606:4700:4700::1111"),
		ex(k, "mapped ::ffff:8.8.4.4 here", "::ffff:8.8.4.4"),
		ex(k, "IP地址：114.114.114.114", "114.114.114.114"),
		neg("gateway 192.168.1.1"),
		neg("bind 10.0.0.5 and 172.16.4.2"),
		neg("loopback 127.0.0.1 and ::1"),
		neg("link fe80::1ff:fe23:4567:890a%eth0"),
		neg("docs 192.0.2.33 198.51.100.7 203.0.113.9 2001:db8::1"),
		neg("multicast 224.0.0.251 ff02::fb"),
		neg("version 1.2.3.4"),
		neg("v1.2.3.4"),
		neg("openssl-1.1.1.1 build"),
		neg("OID 1.3.6.1.4.1.2021"),
		neg("leading 010.001.002.003"),
		neg("host 256.1.1.1"),
		neg("unique fd12:3456:789a::1"),
		neg("0.0.0.0 and 255.255.255.255"),
		neg("std::vector a::b dead::beef"),
		neg("12:34:56"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*MACAddress) Examples() []detectors.Example {
	k := KindMACAddress
	return []detectors.Example{
		ex(k, "eth0 ether 00:1A:2B:3C:4D:5E up", "00:1A:2B:3C:4D:5E"),
		ex(k, "BSSID 3c-22-fb-12-34-56.", "3c-22-fb-12-34-56"),
		ex(k, "mac 001a.2b3c.4d5e", "001a.2b3c.4d5e"),
		neg("00:00:00:00:00:00"),
		neg("ff:ff:ff:ff:ff:ff"),
		neg("00:1A-2B:3C:4D:5E"),
		neg("00:1A:2B:3C:4D"),
		neg("00:1A:2B:3C:4D:5E:6F"),
		neg("time 12:34:56"),
		neg("sha 00:1A:2B:3C:4D:5G"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*CNResidentID) Examples() []detectors.Example {
	k := KindCNResidentID
	return []detectors.Example{
		ex(k, "身份证号：11010519491231002X。", "11010519491231002X"),
		ex(k, "ID 440304199003072312", "440304199003072312"),
		ex(k, "证件号码３２０１０６１９８５１１２０４５３７", "３２０１０６１９８５１１２０４５３７"),
		ex(k, "id: 11010519491231002x", "11010519491231002x"),
		neg("440304199003072313"),
		neg("51010720010229123X"),
		neg("990304199003072312"),
		neg("4403041990030723121"),
		neg("440304203003072312"),
		neg("order 1440304199003072312"),
		neg("abc440304199003072312"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*CNMobile) Examples() []detectors.Example {
	k := KindCNMobile
	return []detectors.Example{
		ex(k, "手机：13800138000，请回电", "13800138000"),
		ex(k, "电话 139 1234 5678", "139 1234 5678"),
		ex(k, "call +86 138-0013-8000", "+86 138-0013-8000"),
		ex(k, "+8613800138000", "+8613800138000"),
		ex(k, "手机号码１３８００１３８０００。", "１３８００１３８０００"),
		ex(k, "tel 8613912345678", "8613912345678"),
		neg("12800138000"),
		neg("14000138000"),
		neg("1380013800"),
		neg("138001380001"),
		neg("138-0013 8000"),
		neg("id13800138000"),
		neg("+13800138000"),
		neg("订单号 13800138000"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*UKNINO) Examples() []detectors.Example {
	k := KindUKNINO
	return []detectors.Example{
		ex(k, "NI number: AB123456C", "AB123456C"),
		ex(k, "nino JG 10 37 28 A.", "JG 10 37 28 A"),
		ex(k, "NINO AB 123456 D", "AB 123456 D"),
		neg("QQ123456C"),
		neg("AO123456C"),
		neg("GB123456C"),
		neg("AB123456E"),
		neg("AB12345C"),
		neg("XAB123456C"),
		neg("AB 12 3456 C"),
		neg("ab123456c"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*INAadhaar) Examples() []detectors.Example {
	k := KindINAadhaar
	return []detectors.Example{
		ex(k, "Aadhaar: 2345 6789 0124", "2345 6789 0124"),
		ex(k, "UID 4918-7263-5415.", "4918-7263-5415"),
		ex(k, "aadhaar no 987654321012", "987654321012"),
		ex(k, "आधार संख्या ९८७६ ५४३२ १०१२", "९८७६ ५४३२ १०१२"),
		neg("2345 6789 0125"),
		neg("1234 5678 9012"),
		neg("987654321012"),
		neg("2345-6789 0124"),
		neg("2222 2222 2222"),
		neg("invoice no 2345 6789 0124"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*CryptoWallet) Examples() []detectors.Example {
	k := KindCryptoWallet
	return []detectors.Example{
		ex(k, "genesis 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
		ex(k, "p2sh 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
		ex(k, "send to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
		ex(k, "taproot bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"),
		ex(k, "eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
		ex(k, "wallet 0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae", "0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae"),
		neg("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"),
		neg("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"),
		neg("0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
		neg("tx hash 0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae"),
		neg("0x0000000000000000000000000000000000000000"),
		neg("sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
		neg("commit 0x88e96d4537bea4d9c05d12549907b32561d3bf31f45aae734cdc119f13406cb6"),
		neg("my_1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
		neg("AbstractSingletonProxyFactoryBeanImpl"),
	}
}

// Examples returns true positives and near-miss negatives.
func (*URLCredentials) Examples() []detectors.Example {
	k := KindURLCredentials
	return []detectors.Example{
		ex(k, "DATABASE_URL=postgres://admin:s3cretPass@db.example.com:5432/app", "admin:s3cretPass"),
		ex(k, "redis://:Zq8v1LmP@cache:6379", ":Zq8v1LmP"),
		ex(k, "curl https://bob:p%40ss@api.example.org/v1", "bob:p%40ss"),
		ex(k, "ftp://deploy:Tr0ub4dor&3@files.example.net", "deploy:Tr0ub4dor&3"),
		neg("https://user:@example.com"),
		neg("https://user:password@example.com"),
		neg("postgres://<user>:<password>@localhost/db"),
		neg("mysql://root:${DB_PASSWORD}@db/app"),
		neg("https://admin:****@example.com"),
		neg("https://example.com/@user:pass"),
		neg("https://token@github.com/org/repo"),
		neg("user:secretpw@host without scheme"),
	}
}
