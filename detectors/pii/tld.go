package pii

import "strings"

// tldList is a compact list of real top-level domains: every delegated
// country-code TLD, the legacy generic TLDs and the new gTLDs seen most in
// web text, plus common internationalized TLDs. Punycode TLDs ("xn--...")
// are accepted separately.
const tldList = `
ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj
bm bn bo bq br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw
cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf
gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io
iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls
lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz
na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw
py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx
sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc
ve vg vi vn vu wf ws ye yt za zm zw
com net org edu gov mil int info biz name pro aero asia cat coop jobs mobi
museum post tel travel xxx arpa
academy accountant actor agency amsterdam app art audio auto barcelona
bank bar beer berlin best bet bid bike bio black blog blue boston boutique
build business buzz cafe camp capital car care cards career careers cash
casino center ceo chat cheap city claims cleaning click clinic clothing cloud
club codes coffee college community company computer consulting contractors
cool country coupons courses credit cricket cymru dance date dating deals
degree delivery dental design dev diamonds digital direct directory discount
doctor dog domains download earth eco education email energy engineer
engineering enterprises equipment estate events exchange expert exposed
express fail faith family fan fans farm fashion film finance financial fish
fitness flights florist football forsale foundation free fun fund furniture
futbol fyi gallery game games garden gay gift gifts gives glass global gmbh
gold golf google graphics gratis green gripe group guide guitars guru hamburg
haus health healthcare help hiphop hockey holdings holiday homes horse
hospital host hosting house how icu immo immobilien inc industries ink
institute insure international investments irish jetzt jewelry kaufen kim
kitchen kiwi koeln kyoto land lat law lawyer lease legal lgbt life lighting
limited limo link live llc loan loans lol london love ltd luxury maison
management market marketing mba media memorial men menu miami moda moe mom
money monster moscow movie nagoya network news nexus ngo ninja nrw nyc okinawa
one onl online ooo organic osaka page paris partners parts party pet photo
photography photos pics pictures pink pizza place plumbing plus poker porn
press productions promo properties property pub quebec racing radio realestate
realty recipes red rehab reise reisen rent rentals repair report republican
rest restaurant review reviews rich rip rocks rodeo ruhr run sale salon sarl
school schule science scot security services sex sexy shiksha shoes shop
shopping show singles site ski soccer social software solar solutions space
store stream studio study style sucks supplies supply support surf surgery
swiss sydney systems taipei tattoo tax taxi team tech technology tennis
theater tienda tips tires today tokyo tools top tours town toys trade trading
training tube university uno vacations vegas ventures vet viajes video villas
vin vip vision vodka vote voting voto voyage wales wang watch webcam website
wedding wien wiki win wine work works world wtf xyz yoga yokohama zone
amazon apple microsoft youtube gmail
中国 中國 公司 网络 網絡 在线 中文网 我爱你 移动 香港 台湾 台灣 新加坡 商城 网店 网址 集团 游戏
рф рус бел укр срб мкд қаз испытание
भारत বাংলা இந்தியா 한국 みんな コム ไทย السعودية امارات مصر ایران
`

// tldSet is built once from tldList and only read afterwards.
var tldSet = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, t := range strings.Fields(tldList) {
		m[t] = struct{}{}
	}
	return m
}()

// validTLD reports whether label (ASCII case-insensitive) is a known TLD
// or a punycode TLD. It does not allocate.
func validTLD(label []byte) bool {
	if len(label) < 2 || len(label) > 63 {
		return false
	}
	var buf [63]byte
	for i, c := range label {
		buf[i] = lowerASCII(c)
	}
	l := buf[:len(label)]
	if len(l) > 4 && string(l[:4]) == "xn--" {
		return true
	}
	_, ok := tldSet[string(l)]
	return ok
}
