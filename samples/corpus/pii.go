package corpus

import (
	"crypto/sha256"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// PII kinds (DESIGN §6).
const (
	KindEmail          = "pii.email"
	KindPhone          = "pii.phone"
	KindCreditCard     = "pii.credit_card"
	KindIBAN           = "pii.iban"
	KindUSSSN          = "pii.us_ssn"
	KindIPAddress      = "pii.ip_address"
	KindMACAddress     = "pii.mac_address"
	KindCNResidentID   = "pii.cn_resident_id"
	KindCNMobile       = "pii.cn_mobile"
	KindUKNINO         = "pii.uk_nino"
	KindINAadhaar      = "pii.in_aadhaar"
	KindCryptoWallet   = "pii.crypto_wallet"
	KindURLCredentials = "pii.url_credentials"
)

// ---- email ----

var emailDomains = []string{
	"gmail.com", "outlook.com", "yahoo.co.uk", "proton.me", "hotmail.fr", "web.de",
	"icloud.com", "fastmail.com", "gmx.net", "northwind-logistics.com", "brightlane.io",
	"tallpine.co", "orchardhealth.org", "kestrel-media.net", "mailbox.org", "yandex.ru",
	"libero.it", "posteo.de", "zoho.com", "hey.com",
}

func (r rng) email() (string, string) {
	first := strings.ToLower(r.pick(firstNames))
	last := strings.ToLower(r.pick(lastNames))
	var local string
	switch r.IntN(6) {
	case 0:
		local = first + "." + last
	case 1:
		local = first + last + strconv.Itoa(r.between(1, 99))
	case 2:
		local = first[:1] + "." + last
	case 3:
		local = first + "_" + last
	case 4:
		local = last + "." + first[:1] + strconv.Itoa(r.between(70, 99))
	default:
		local = first + "+" + r.pick([]string{"news", "shop", "work", "lists"})
	}
	return local + "@" + r.pick(emailDomains), "email"
}

// ---- phone numbers (not Chinese mobiles, which are pii.cn_mobile) ----

var usAreaCodes = []string{"212", "312", "415", "617", "206", "303", "512", "404", "213", "646", "718", "305", "702", "919", "503", "612"}

func (r rng) usSubscriber() (nxx, line string) {
	for {
		nxx = strconv.Itoa(r.between(2, 9)) + r.digits(2)
		if nxx != "555" && nxx[1:] != "11" {
			return nxx, r.digits(4)
		}
	}
}

// phone returns a phone number of a real numbering plan with a random
// subscriber number, in E.164-style or national formatting.
func (r rng) phone() (string, string) {
	switch r.IntN(10) {
	case 0, 1:
		npa := r.pick(usAreaCodes)
		nxx, line := r.usSubscriber()
		switch r.IntN(5) {
		case 0:
			return "+1 " + npa + " " + nxx + " " + line, "us e164"
		case 1:
			return "(" + npa + ") " + nxx + "-" + line, "us national"
		case 2:
			return npa + "-" + nxx + "-" + line, "us national"
		case 3:
			return "+1" + npa + nxx + line, "us e164 compact"
		default:
			return "+1 (" + npa + ") " + nxx + "-" + line, "us e164"
		}
	case 2:
		if r.chance(0.5) {
			n := "7" + strconv.Itoa(r.between(400, 999)) + " " + r.digits(6)
			if r.chance(0.5) {
				return "+44 " + n, "uk mobile e164"
			}
			return "0" + n, "uk mobile national"
		}
		n := "20 " + strconv.Itoa(r.between(3, 8)) + r.digits(3) + " " + r.digits(4)
		if r.chance(0.5) {
			return "+44 " + n, "uk london e164"
		}
		return "0" + n, "uk london national"
	case 3:
		if r.chance(0.5) {
			n := r.pick([]string{"151", "152", "160", "170", "176"}) + " " + r.digits(8)
			if r.chance(0.5) {
				return "+49 " + n, "de mobile e164"
			}
			return "0" + n, "de mobile national"
		}
		n := r.pick([]string{"30", "40", "89", "69", "221"}) + " " + strconv.Itoa(r.between(2, 9)) + r.digits(6)
		if r.chance(0.5) {
			return "+49 " + n, "de landline e164"
		}
		return "0" + n, "de landline national"
	case 4:
		pre := r.pick([]string{"6", "7", "1", "4"})
		n := pre + " " + r.digits(2) + " " + r.digits(2) + " " + r.digits(2) + " " + r.digits(2)
		if r.chance(0.5) {
			return "+33 " + n, "fr e164"
		}
		return "0" + n, "fr national"
	case 5:
		n := strconv.Itoa(r.between(6, 9)) + r.digits(4) + " " + r.digits(5)
		if r.chance(0.6) {
			return "+91 " + n, "in mobile e164"
		}
		return "0" + n, "in mobile national"
	case 6:
		n := r.pick([]string{"90", "80", "70"}) + "-" + r.digits(4) + "-" + r.digits(4)
		if r.chance(0.5) {
			return "+81 " + n, "jp mobile e164"
		}
		return "0" + n, "jp mobile national"
	case 7:
		n := "4" + r.digits(2) + " " + r.digits(3) + " " + r.digits(3)
		if r.chance(0.5) {
			return "+61 " + n, "au mobile e164"
		}
		return "0" + n, "au mobile national"
	case 8:
		return "+55 " + r.pick([]string{"11", "21", "31"}) + " 9" + r.digits(4) + "-" + r.digits(4), "br mobile e164"
	default:
		return "+34 6" + r.digits(2) + " " + r.digits(3) + " " + r.digits(3), "es mobile e164"
	}
}

// arabicPhone returns a Gulf or Egyptian mobile number.
func (r rng) arabicPhone() (string, string) {
	switch r.IntN(3) {
	case 0:
		return "+971 5" + strconv.Itoa(r.IntN(6)) + " " + r.digits(3) + " " + r.digits(4), "ae mobile e164"
	case 1:
		return "+966 5" + strconv.Itoa(r.between(0, 9)) + " " + r.digits(3) + " " + r.digits(4), "sa mobile e164"
	default:
		return "+20 1" + r.pick([]string{"0", "1", "2", "5"}) + " " + r.digits(4) + " " + r.digits(4), "eg mobile e164"
	}
}

// indianMobile returns an Indian mobile number.
func (r rng) indianMobile() (string, string) {
	n := strconv.Itoa(r.between(6, 9)) + r.digits(4) + " " + r.digits(5)
	if r.chance(0.7) {
		return "+91 " + n, "in mobile e164"
	}
	return n, "in mobile national"
}

// cnLandline returns a Chinese fixed-line number (pii.phone).
func (r rng) cnLandline() (string, string) {
	switch r.IntN(3) {
	case 0:
		return "010-" + strconv.Itoa(r.between(5, 8)) + r.digits(7), "cn landline beijing"
	case 1:
		return "021-" + strconv.Itoa(r.between(5, 6)) + r.digits(7), "cn landline shanghai"
	default:
		return "+86 755 " + strconv.Itoa(r.between(2, 8)) + r.digits(3) + " " + r.digits(4), "cn landline shenzhen e164"
	}
}

// ---- payment cards ----

// luhnDigit returns the check digit that makes payload+digit Luhn-valid.
func luhnDigit(payload string) byte {
	sum := 0
	double := true
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

func (r rng) cardNumber(prefix string, length int) string {
	p := prefix + r.digits(length-1-len(prefix))
	return p + string(luhnDigit(p))
}

func groupDigits(s string, sizes []int, sep string) string {
	var b strings.Builder
	for i, n := range sizes {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[:n])
		s = s[n:]
	}
	if s != "" {
		b.WriteString(sep)
		b.WriteString(s)
	}
	return b.String()
}

// creditCard returns a Luhn-valid card number in a real IIN range.
func (r rng) creditCard() (string, string) {
	var num, brand string
	switch r.IntN(7) {
	case 0, 1:
		num, brand = r.cardNumber("4", 16), "visa"
	case 2:
		num, brand = r.cardNumber(strconv.Itoa(r.between(51, 55)), 16), "mastercard"
	case 3:
		num, brand = r.cardNumber(strconv.Itoa(r.between(2221, 2720)), 16), "mastercard 2-series"
	case 4:
		num, brand = r.cardNumber(r.pick([]string{"34", "37"}), 15), "amex"
	case 5:
		num, brand = r.cardNumber("6011", 16), "discover"
	default:
		num, brand = r.cardNumber(strconv.Itoa(r.between(3528, 3589)), 16), "jcb"
	}
	return r.formatCard(num), brand
}

func (r rng) formatCard(num string) string {
	sizes := []int{4, 4, 4}
	if len(num) == 15 {
		sizes = []int{4, 6}
	}
	switch r.IntN(4) {
	case 0:
		return num
	case 1:
		return groupDigits(num, sizes, "-")
	default:
		return groupDigits(num, sizes, " ")
	}
}

// unionPay returns a Luhn-valid China UnionPay number (IIN 62).
func (r rng) unionPay() (string, string) {
	num := r.cardNumber("62"+r.pick([]string{"2202", "2848", "1700", "1483", "2588"}), 16)
	return r.formatCard(num), "unionpay"
}

// ---- IBAN ----

// ibanCheck computes the two ISO 13616 check digits for country and bban.
func ibanCheck(country, bban string) string {
	var digits strings.Builder
	for _, c := range bban + country + "00" {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		default:
			digits.WriteString(strconv.Itoa(int(c-'A') + 10))
		}
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	m := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%02d", 98-m)
}

// ribKey is the French national check key over bank, branch and account.
func ribKey(bank, branch, account string) string {
	n, _ := new(big.Int).SetString(bank+branch+account+"00", 10)
	m := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%02d", 97-m)
}

// esControl computes a Spanish CCC control digit over 10 digits.
func esControl(ten string) string {
	w := []int{1, 2, 4, 8, 5, 10, 9, 7, 3, 6}
	s := 0
	for i := range ten {
		s += int(ten[i]-'0') * w[i]
	}
	d := 11 - s%11
	switch d {
	case 11:
		d = 0
	case 10:
		d = 1
	}
	return strconv.Itoa(d)
}

// dutchAccount returns 10 digits passing the Dutch eleven-test.
func (r rng) dutchAccount() string {
	for {
		a := "0" + r.digits(9)
		s := 0
		for i := range a {
			s += int(a[i]-'0') * (10 - i)
		}
		if s%11 == 0 && a[1] != '0' {
			return a
		}
	}
}

func (r rng) iban() (string, string) {
	var country, bban string
	switch r.IntN(6) {
	case 0:
		country, bban = "DE", strconv.Itoa(r.between(1, 8))+r.digits(7)+r.digits(10)
	case 1:
		country, bban = "GB", r.pick([]string{"NWBK", "BARC", "LOYD", "HBUK", "MIDL"})+r.digits(6)+r.digits(8)
	case 2:
		bank, branch, acct := "3"+r.digits(4), r.digits(5), r.digits(11)
		country, bban = "FR", bank+branch+acct+ribKey(bank, branch, acct)
	case 3:
		country, bban = "NL", r.pick([]string{"ABNA", "INGB", "RABO", "TRIO", "SNSB"})+r.dutchAccount()
	case 4:
		bank, branch, acct := "2"+r.digits(3), r.digits(4), r.digits(10)
		country, bban = "ES", bank+branch+esControl("00"+bank+branch)+esControl(acct)+acct
	default:
		acct := strconv.Itoa(r.between(1, 9)) + r.digits(9)
		m, _ := strconv.ParseInt(acct, 10, 64)
		chk := m % 97
		if chk == 0 {
			chk = 97
		}
		country, bban = "BE", acct+fmt.Sprintf("%02d", chk)
	}
	iban := country + ibanCheck(country, bban) + bban
	if r.chance(0.6) {
		var b strings.Builder
		for i := 0; i < len(iban); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(iban[i:min(i+4, len(iban))])
		}
		return b.String(), strings.ToLower(country) + " grouped"
	}
	return iban, strings.ToLower(country) + " compact"
}

// ---- national identifiers ----

func (r rng) ssn() (string, string) {
	for {
		area := r.between(1, 899)
		if area == 666 {
			continue
		}
		s := fmt.Sprintf("%03d-%02d-%04d", area, r.between(1, 99), r.between(1, 9999))
		if s == "078-05-1120" || s == "219-09-9999" {
			continue
		}
		if r.chance(0.15) {
			return strings.ReplaceAll(s, "-", " "), "ssn spaced"
		}
		return s, "ssn"
	}
}

var cnRegions = []string{
	"110101", "110105", "110108", "310101", "310104", "310115", "440106", "440305",
	"330106", "320102", "510104", "420102", "610113", "500103", "370102", "210102",
	"120101", "350203", "430104", "410105",
}

// gb11643 returns the check character for the first 17 digits of a
// resident identity number.
func gb11643(d17 string) byte {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	s := 0
	for i := 0; i < 17; i++ {
		s += int(d17[i]-'0') * w[i]
	}
	return "10X98765432"[s%11]
}

func (r rng) birthDate(fromYear, toYear int) string {
	y := r.between(fromYear, toYear)
	m := r.between(1, 12)
	days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return fmt.Sprintf("%04d%02d%02d", y, m, r.between(1, days))
}

func (r rng) cnResidentID() (string, string) {
	d17 := r.pick(cnRegions) + r.birthDate(1958, 2004) + r.digits(3)
	id := d17 + string(gb11643(d17))
	if id[17] == 'X' && r.chance(0.3) {
		id = id[:17] + "x"
	}
	return id, "resident id"
}

var cnMobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150",
	"151", "152", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180",
	"181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195",
	"198", "199",
}

func (r rng) cnMobile() (string, string) {
	p, a, b := r.pick(cnMobilePrefixes), r.digits(4), r.digits(4)
	switch r.IntN(5) {
	case 0:
		return p + " " + a + " " + b, "cn mobile spaced"
	case 1:
		return p + "-" + a + "-" + b, "cn mobile dashed"
	case 2:
		return "+86 " + p + " " + a + " " + b, "cn mobile e164"
	default:
		return p + a + b, "cn mobile"
	}
}

func (r rng) ukNINO() (string, string) {
	const first = "ABCEGHJKLMNOPRSTWXYZ"
	const second = "ABCEGHJKLMNPRSTWXYZ"
	for {
		pre := string(first[r.IntN(len(first))]) + string(second[r.IntN(len(second))])
		switch pre {
		case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
			continue
		}
		d := r.digits(6)
		suf := string("ABCD"[r.IntN(4)])
		if r.chance(0.5) {
			return pre + " " + d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + suf, "nino spaced"
		}
		return pre + d + suf, "nino"
	}
}

// Verhoeff tables.
var (
	verhoeffD = [10][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
	verhoeffInv = [10]int{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}
)

// verhoeffDigit returns the Verhoeff check digit to append to payload.
func verhoeffDigit(payload string) byte {
	c := 0
	for i := 0; i < len(payload); i++ {
		c = verhoeffD[c][verhoeffP[(i+1)%8][payload[len(payload)-1-i]-'0']]
	}
	return byte('0' + verhoeffInv[c])
}

func (r rng) aadhaar() (string, string) {
	p := strconv.Itoa(r.between(2, 9)) + r.digits(10)
	n := p + string(verhoeffDigit(p))
	switch r.IntN(3) {
	case 0:
		return n, "aadhaar"
	case 1:
		return n[0:4] + "-" + n[4:8] + "-" + n[8:12], "aadhaar dashed"
	default:
		return n[0:4] + " " + n[4:8] + " " + n[8:12], "aadhaar spaced"
	}
}

// ---- network identifiers ----

var publicV4First = []int{23, 31, 37, 46, 62, 77, 81, 85, 89, 93, 104, 109, 145, 151, 176, 178, 185, 188, 195, 212, 213, 217}

func (r rng) ipv4() string {
	return fmt.Sprintf("%d.%d.%d.%d", r.pick2(publicV4First), r.between(0, 255), r.between(0, 255), r.between(1, 254))
}

func (r rng) pick2(xs []int) int { return xs[r.IntN(len(xs))] }

var publicV6Prefixes = []string{"2a02:8108", "2a01:4f8", "2600:1700", "2a00:23c6", "2406:da18", "2a03:2880", "2001:4ca0", "2804:14c"}

func (r rng) ipv6() string {
	groups := []string{r.pick(publicV6Prefixes)}
	for i := 0; i < 2; i++ {
		groups = append(groups, strconv.FormatUint(uint64(r.IntN(0xffff)+1), 16))
	}
	if r.chance(0.5) {
		return strings.Join(groups, ":") + "::" + strconv.FormatUint(uint64(r.IntN(0xfff)+1), 16)
	}
	for i := 0; i < 4; i++ {
		groups = append(groups, strconv.FormatUint(uint64(r.IntN(0xffff)+1), 16))
	}
	return strings.Join(groups, ":")
}

func (r rng) ipAddress() (string, string) {
	if r.chance(0.75) {
		return r.ipv4(), "ipv4"
	}
	return r.ipv6(), "ipv6"
}

var ouis = []string{"3c:22:fb", "a4:83:e7", "f0:18:98", "00:1a:11", "b8:27:eb", "dc:a6:32", "44:38:39", "fc:fb:fb", "00:24:d7", "e4:5f:01"}

func (r rng) mac() (string, string) {
	m := r.pick(ouis) + ":" + r.from(hexLower, 2) + ":" + r.from(hexLower, 2) + ":" + r.from(hexLower, 2)
	switch r.IntN(3) {
	case 0:
		return strings.ToUpper(m), "mac upper"
	case 1:
		return strings.ToUpper(strings.ReplaceAll(m, ":", "-")), "mac dashed"
	default:
		return m, "mac"
	}
}

// ---- crypto wallets ----

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func base58Encode(b []byte) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	base := big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func base58Check(version byte, payload []byte) string {
	b := append([]byte{version}, payload...)
	h1 := sha256.Sum256(b)
	h2 := sha256.Sum256(h1[:])
	return base58Encode(append(b, h2[:4]...))
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Polymod(values []byte) uint32 {
	gen := []uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32HRPExpand(hrp string) []byte {
	var out []byte
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// convertBits regroups 8-bit bytes into 5-bit groups, padding the end.
func convertBits(data []byte) []byte {
	acc, bits := 0, 0
	var out []byte
	for _, b := range data {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, byte(acc>>bits&31))
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(5-bits)&31))
	}
	return out
}

// segwitAddress encodes a witness program as bech32 (v0) or bech32m (v1+).
func segwitAddress(hrp string, version byte, program []byte) string {
	data := append([]byte{version}, convertBits(program)...)
	constant := uint32(1)
	if version > 0 {
		constant = 0x2bc830a3
	}
	values := append(bech32HRPExpand(hrp), data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	pm := bech32Polymod(values) ^ constant
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, d := range data {
		b.WriteByte(bech32Charset[d])
	}
	for i := 0; i < 6; i++ {
		b.WriteByte(bech32Charset[(pm>>(5*(5-i)))&31])
	}
	return b.String()
}

// eip55 returns the mixed-case checksummed form of a 20-byte address.
func eip55(addr []byte) string {
	hexAddr := fmt.Sprintf("%x", addr)
	h := keccak256([]byte(hexAddr))
	out := []byte(hexAddr)
	for i, c := range out {
		if c >= 'a' && c <= 'f' {
			nib := h[i/2]
			if i%2 == 0 {
				nib >>= 4
			}
			if nib&0xf >= 8 {
				out[i] = c - 32
			}
		}
	}
	return "0x" + string(out)
}

func (r rng) cryptoWallet() (string, string) {
	switch r.IntN(5) {
	case 0:
		return base58Check(0x00, r.bytes(20)), "btc p2pkh"
	case 1:
		return base58Check(0x05, r.bytes(20)), "btc p2sh"
	case 2:
		return segwitAddress("bc", 0, r.bytes(20)), "btc bech32 p2wpkh"
	case 3:
		return segwitAddress("bc", 1, r.bytes(32)), "btc bech32m taproot"
	default:
		return eip55(r.bytes(20)), "eth eip55"
	}
}

// ---- URLs with credentials ----

// userinfo returns "user:password" for a URL.
func (r rng) userinfo() string {
	user := strings.ToLower(r.pick(firstNames))
	pass := r.from(alnum, r.between(8, 14))
	if r.chance(0.5) {
		pass = capitalize(strings.ToLower(r.pick(lastNames))) + strconv.Itoa(r.between(10, 99)) + r.pick([]string{"!", "$", "~", "*"})
	}
	return user + ":" + pass
}

func (r rng) urlCredentials() (string, string) {
	ui := r.userinfo()
	switch r.IntN(4) {
	case 0:
		return "https://" + ui + "@" + r.pick([]string{"files", "intranet", "dav", "backup"}) + "." + r.pick(emailDomains) + "/", "https userinfo"
	case 1:
		return "ftp://" + ui + "@ftp." + r.pick(emailDomains) + "/pub/", "ftp userinfo"
	case 2:
		return "https://" + ui + "@" + r.pick([]string{"git", "repo", "svn"}) + "." + r.pick(emailDomains) + "/team/project.git", "git userinfo"
	default:
		return "http://" + ui + "@" + r.ipv4() + ":8080/admin", "http userinfo"
	}
}

// ---- digit variants ----

// fullWidth converts ASCII digits and letters to their full-width forms.
func fullWidth(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			b.WriteRune(c - '0' + '０')
		case c == '-':
			b.WriteRune('－')
		case c == '+':
			b.WriteRune('＋')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// localDigits converts ASCII digits to the digits starting at zero
// ('٠' for Arabic-Indic, '०' for Devanagari).
func localDigits(s string, zero rune) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(zero + c - '0')
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}
