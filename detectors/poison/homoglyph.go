package poison

import (
	"unicode"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// Homoglyph finds words that mix look-alike characters from several scripts
// (UTS #39 mixed-script detection with confusable prototypes), the classic
// Cyrillic "а" inside a Latin word. A word is a run of letters, marks and
// numbers; default-ignorable characters inside it are skipped.
//
//   - Mixed script (0.9): the word's resolved script set (UTS #39 §5.1,
//     intersection of augmented Script_Extensions) is empty, and every
//     letter outside the majority script has a confusable twin in it.
//     "pаypal" is reported; "iPhone手机" is not (Han has no Latin twin), nor
//     are Japanese kana with kanji (they resolve to Jpan).
//   - Look-alike forms (0.8): an ASCII word whose other letters are
//     fullwidth or mathematical forms with an ASCII prototype ("p𝐚ypal").
//   - Whole-word look-alike (0.6): a word of at least three letters in one
//     non-Latin script whose every letter has an ASCII prototype ("аррӏе"),
//     standing between plain ASCII words.
//
// All-Cyrillic or all-Greek words in their own context, accented Latin and
// Turkish dotless i are not reported.
//
// Homoglyph is safe for concurrent use and does not allocate.
type Homoglyph struct{}

var _ detectors.Detector = Homoglyph{}
var _ detectors.Exampler = Homoglyph{}
var _ detectors.PlainASCIIQuiet = Homoglyph{}

// PlainASCIIQuiet implements detectors.PlainASCIIQuiet: a finding needs a
// non-ASCII letter.
func (Homoglyph) PlainASCIIQuiet() {}

// ID returns "poison.homoglyph".
func (Homoglyph) ID() string { return KindHomoglyph }

// Version changes whenever the output can change.
func (Homoglyph) Version() string { return "1" }

// Kinds returns poison.homoglyph.
func (Homoglyph) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindHomoglyph, Description: "mixed-script words built from look-alike characters (UTS #39 confusables)", Severity: detectors.SeverityMedium}}
}

// Detect implements detectors.Detector.
func (Homoglyph) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	pos := 0
	var tab *[0x10000]uint16
	for {
		q := indexNonASCII(text, pos)
		if q >= len(text) {
			return dst
		}
		ws := q
		for ws > pos && isASCIIAlnum(text[ws-1]) {
			ws--
		}
		if tab == nil {
			tab = &bmpTab().hom
		}
		we, conf, ok := 0, 0.0, false
		if ws == q {
			we, conf, ok = homoglyphOneScript(tab, text, q)
		}
		if !ok {
			we, conf = homoglyphWord(tab, text, ws)
		}
		if we <= q { // the non-ASCII character at q does not continue a word
			_, n := decode(text, q)
			pos = q + n
			continue
		}
		if conf > 0 {
			dst = append(dst, detectors.Match{Kind: KindHomoglyph, Start: ws, End: we, Confidence: conf})
		}
		pos = we
	}
}

// homoglyphOneScript is homoglyphWord for the common word of letters (and
// marks) of one script other than Common, Inherited and the CJK scripts,
// starting with a non-ASCII letter at ws and ending before an ASCII byte
// that ends a word (or at the end of text). ok is false for any other
// word: homoglyphWord decides then.
func homoglyphOneScript(tab *[0x10000]uint16, text []byte, ws int) (we int, conf float64, ok bool) {
	if c := text[ws]; c >= 0xE3 && c <= 0xEF {
		// U+3000–U+FFFF: CJK, kana, Hangul, fullwidth forms… (seldom
		// words of one script before an ASCII byte).
		return 0, 0, false
	}
	var r rune
	n := 2
	if c := text[ws]; c >= 0xC2 && c < 0xE0 && ws+1 < len(text) && text[ws+1]&0xC0 == 0x80 {
		r = rune(c&0x1F)<<6 | rune(text[ws+1]&0x3F)
	} else if r, n = decode(text, ws); r >= 0x10000 {
		return 0, 0, false
	}
	e := tab[r]
	s := unidata.Script(e)
	if e&(homLetter|homDICP|homHan) != homLetter || s == unidata.ScriptCommon || s == unidata.ScriptInherited || cjkScript(s) {
		return 0, 0, false // (CJK words seldom end before an ASCII byte)
	}
	i, k, f := sameScript(tab, text, ws+n, e)
	if i < len(text) && (text[i] >= 0x80 || tab[text[i]]&(homDICP|homWordy|homHan) != 0) {
		return 0, 0, false
	}
	// One script, no ASCII letter: only the whole-word look-alike can
	// apply (homoglyphWord's last test).
	letters, asciiProto := 1+k, f.proto
	if e&homProto != 0 {
		asciiProto++
	}
	if letters >= 3 && asciiProto == letters && s != unidata.ScriptLatin && latinContext(text, ws, i) {
		return i, 0.6, true
	}
	return i, 0, true
}

type scriptCount struct {
	s unidata.Script
	n int
}

// homoglyphWord scans the word starting at ws and returns its end and the
// confidence of a finding (0 for none). It reads the per-character facts
// from the BMP table (homEntry for other planes); homoglyphWordRef in the
// tests is the same logic on unidata lookups.
func homoglyphWord(tab *[0x10000]uint16, text []byte, ws int) (int, float64) {
	var sc scriptCounts
	asciiLetters, letters := 0, 0
	nonASCIILetters, deceptive, asciiProto := 0, 0, 0
	// Scripts of letters with no ASCII prototype: with two of them,
	// mixedScript cannot report the word (one of the two is an outsider
	// without a look-alike), so it is not called.
	noProto, noProtoSet, noProto2 := unidata.Script(0), false, false
	i := ws
	cjk := -1 // whether the word's letters are CJK: -1 not yet known
	for i < len(text) {
		var r rune
		var n int
		var e uint16
		if c := text[i]; c < 0x80 {
			r, n, e = rune(c), 1, tab[c]
		} else {
			r, n = decode(text, i)
			if r < 0x10000 {
				e = tab[r]
			} else {
				e = homEntry(r)
			}
		}
		if e&homHan != 0 {
			// Fast path: a Han letter without properties of interest.
			if cjk == 0 {
				break
			}
			cjk = 1
			i += n
			letters++
			nonASCIILetters++
			if !noProtoSet {
				noProto, noProtoSet = unidata.ScriptHan, true
			} else if noProto != unidata.ScriptHan {
				noProto2 = true
			}
			sc.add(unidata.ScriptHan)
			var k int
			i, k, _ = sameScript(tab, text, i, e)
			letters, nonASCIILetters = letters+k, nonASCIILetters+k
			sc.addN(unidata.ScriptHan, k)
			continue
		}
		if e&homDICP != 0 {
			i += n
			continue
		}
		if e&homWordy == 0 {
			break
		}
		s := unidata.Script(e)
		common := s == unidata.ScriptCommon || s == unidata.ScriptInherited
		// CJK text runs into Latin words without spaces ("您的account账户"):
		// a change between CJK and other scripts ends the word.
		if e&homLetter != 0 && !common {
			c := 0
			if cjkScript(s) {
				c = 1
			}
			if cjk >= 0 && c != cjk {
				break
			}
			cjk = c
		}
		i += n
		if e&homLetter == 0 {
			continue
		}
		letters++
		if r < 0x80 {
			asciiLetters++
		} else {
			nonASCIILetters++
			if e&homProto != 0 {
				asciiProto++
				if e&homDeceptive != 0 {
					deceptive++
				}
			}
			if e&homNoProto != 0 && !common {
				if !noProtoSet {
					noProto, noProtoSet = s, true
				} else if noProto != s {
					noProto2 = true
				}
			}
		}
		if common {
			continue
		}
		sc.add(s)
		if r >= 0x80 {
			// The non-ASCII letters of the same script that follow change
			// only the counts: count them in a tight loop.
			var k int
			var f sameCounts
			i, k, f = sameScript(tab, text, i, e)
			letters, nonASCIILetters = letters+k, nonASCIILetters+k
			asciiProto += f.proto
			deceptive += f.deceptive
			sc.addN(s, k)
			if f.noProto {
				if !noProtoSet {
					noProto, noProtoSet = s, true
				} else if noProto != s {
					noProto2 = true
				}
			}
		}
	}
	we := i
	if nonASCIILetters == 0 {
		return we, 0
	}
	if sc.n >= 2 || sc.many {
		if noProto2 {
			return we, 0
		}
		if c := mixedScript(text, ws, we, sc.c[:sc.n]); c > 0 {
			return we, c
		}
		return we, 0
	}
	if asciiLetters > 0 && deceptive > 0 && deceptive == nonASCIILetters {
		return we, 0.8
	}
	if sc.n == 1 && asciiLetters == 0 && letters >= 3 && asciiProto == letters &&
		sc.c[0].s != unidata.ScriptLatin && latinContext(text, ws, we) {
		return we, 0.6
	}
	return we, 0
}

// cjkScript reports the scripts written without spaces between words in
// East Asian text.
func cjkScript(s unidata.Script) bool {
	switch s {
	case unidata.ScriptHan, unidata.ScriptHiragana, unidata.ScriptKatakana, unidata.ScriptHangul, unidata.ScriptBopomofo:
		return true
	}
	return false
}

// scriptCounts counts a word's letters per script (the first four
// distinct scripts; many records that there were more).
type scriptCounts struct {
	c    [4]scriptCount
	n    int
	many bool
}

// add counts one letter of script s.
func (sc *scriptCounts) add(s unidata.Script) {
	if sc.n > 0 && sc.c[sc.n-1].s == s {
		sc.c[sc.n-1].n++
		return
	}
	sc.addSlow(s)
}

// addN counts k letters of script s.
func (sc *scriptCounts) addN(s unidata.Script, k int) {
	if k == 0 {
		return
	}
	for j := 0; j < sc.n; j++ {
		if sc.c[j].s == s {
			sc.c[j].n += k
			return
		}
	}
	sc.addSlow(s)
	if sc.n > 0 && sc.c[sc.n-1].s == s {
		sc.c[sc.n-1].n += k - 1
	}
}

// sameCounts sums Homoglyph entry bits over a run of letters.
type sameCounts struct {
	proto, deceptive int
	noProto          bool
}

// sameScript returns the end of the run of non-ASCII BMP letters at
// text[i:] of the script of the letter entry e (and Han-ness: plain Han
// letters only follow plain Han letters), without default-ignorables but
// with the marks and numbers of that script among them, its length in
// letters and the counts of the letters' entry bits.
func sameScript(tab *[0x10000]uint16, text []byte, i int, e uint16) (int, int, sameCounts) {
	const mask = 0xFF | homDICP | homWordy | homLetter | homHan
	want := e & mask
	var f sameCounts
	var bits uint16
	k := 0
	if want&homHan != 0 {
		// Plain Han letters (U+4E00–U+9FFF: lead bytes E4–E9, never
		// overlong nor surrogates).
		for i+2 < len(text) {
			c, c1, c2 := text[i], text[i+1], text[i+2]
			if c-0xE4 > 0xE9-0xE4 || (c1^0x80)|(c2^0x80) >= 0x40 {
				break
			}
			if tab[rune(c&0x0F)<<12|rune(c1&0x3F)<<6|rune(c2&0x3F)]&mask != want {
				break
			}
			i += 3
			k++
		}
		// Plain Han letters have neither an ASCII prototype nor a
		// look-alike: homNoProto, nothing else of interest.
		return i, k, sameCounts{noProto: k > 0}
	}
	for i+1 < len(text) {
		c := text[i]
		var r rune
		var n int
		if c < 0xE0 {
			if c < 0xC2 || text[i+1]&0xC0 != 0x80 {
				break
			}
			r, n = rune(c&0x1F)<<6|rune(text[i+1]&0x3F), 2
		} else {
			if c >= 0xF0 || i+2 >= len(text) {
				break
			}
			c1, c2 := text[i+1], text[i+2]
			if c1&0xC0 != 0x80 || c2&0xC0 != 0x80 {
				break
			}
			r, n = rune(c&0x0F)<<12|rune(c1&0x3F)<<6|rune(c2&0x3F), 3
			if r < 0x800 || r>>11 == 0xD800>>11 { // overlong, surrogate
				break
			}
		}
		x := tab[r]
		if x&mask != want {
			if x&mask == want&^homLetter {
				// A mark or number of the same script (Devanagari vowel
				// signs): it continues the word and counts for nothing,
				// as in homoglyphWord.
				i += n
				continue
			}
			break
		}
		bits |= x
		if x&homProto != 0 {
			f.proto++
			if x&homDeceptive != 0 {
				f.deceptive++
			}
		}
		i += n
		k++
	}
	f.noProto = bits&homNoProto != 0
	return i, k, f
}

func (sc *scriptCounts) addSlow(s unidata.Script) {
	for k := 0; k < sc.n; k++ {
		if sc.c[k].s == s {
			sc.c[k].n++
			return
		}
	}
	if sc.n < len(sc.c) {
		sc.c[sc.n] = scriptCount{s, 1}
		sc.n++
		return
	}
	sc.many = true
}

// asciiWord reports whether s is one or more ASCII letters or digits.
func asciiWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIAlnum(s[i]) {
			return false
		}
	}
	return true
}

// mixedScript resolves the script set of text[ws:we] and, when it is empty,
// checks that every letter outside the majority script has a look-alike in
// it.
func mixedScript(text []byte, ws, we int, scripts []scriptCount) float64 {
	resolved := unidata.All()
	for i := ws; i < we; {
		r, n := decode(text, i)
		i += n
		p := props(r)
		if p.Has(unidata.DICP) || !wordy(p) {
			continue
		}
		resolved = resolved.And(p.Extensions())
	}
	if !resolved.Empty() {
		return 0
	}
	major := scripts[0]
	for _, sc := range scripts[1:] {
		if sc.n > major.n || sc.n == major.n && sc.s == unidata.ScriptLatin {
			major = sc
		}
	}
	for i := ws; i < we; {
		r, n := decode(text, i)
		i += n
		p := props(r)
		if !p.Has(unidata.Letter) || p.Script == major.s || p.Script == unidata.ScriptCommon || p.Script == unidata.ScriptInherited {
			continue
		}
		// The outsider must look like a plain letter of the majority
		// script: ASCII itself or with an ASCII prototype (Cyrillic а, Greek
		// ο), and confusable with a character of that script.
		if r >= 0x80 {
			proto, _ := unidata.Prototype(unicode.ToLower(r))
			if !asciiWord(proto) {
				if proto, _ = unidata.Prototype(r); !asciiWord(proto) {
					return 0
				}
			}
		}
		if !unidata.LookalikeScripts(r).Has(major.s) {
			return 0
		}
	}
	return 0.9
}

// latinContext reports whether the words around text[ws:we] on the same line
// are plain ASCII words, with at least one present.
func latinContext(text []byte, ws, we int) bool {
	b := neighbour(text, ws, -1)
	a := neighbour(text, we, +1)
	return b >= 0 && a >= 0 && a+b > 0
}

// neighbour classifies the nearest word before (dir -1, from index i) or
// after (dir +1) on the same line: 1 an ASCII word, 0 none, -1 another word.
func neighbour(text []byte, i, dir int) int {
	j := i
	if dir < 0 {
		for j > 0 && text[j-1] < 0x80 && !isASCIIAlnum(text[j-1]) {
			if text[j-1] == '\n' {
				return 0
			}
			j--
		}
		if j == 0 {
			return 0
		}
		if text[j-1] >= 0x80 {
			r, _ := decodeLast(text, j)
			if wordy(props(r)) {
				return -1
			}
			return 0
		}
		for j > 0 && isASCIIAlnum(text[j-1]) {
			j--
		}
		if j > 0 && text[j-1] >= 0x80 {
			if r, _ := decodeLast(text, j); wordy(props(r)) {
				return -1
			}
		}
		return 1
	}
	for j < len(text) && text[j] < 0x80 && !isASCIIAlnum(text[j]) {
		if text[j] == '\n' {
			return 0
		}
		j++
	}
	if j == len(text) {
		return 0
	}
	if text[j] >= 0x80 {
		if r, _ := decode(text, j); wordy(props(r)) {
			return -1
		}
		return 0
	}
	for j < len(text) && isASCIIAlnum(text[j]) {
		j++
	}
	if j < len(text) && text[j] >= 0x80 {
		if r, _ := decode(text, j); wordy(props(r)) {
			return -1
		}
	}
	return 1
}

// Examples implements detectors.Exampler.
func (Homoglyph) Examples() []detectors.Example {
	return []detectors.Example{
		{Text: "Log in to your pаypal account", Kind: KindHomoglyph, Want: "pаypal"},
		{Text: "Contact sеcurity@bank.com now", Kind: KindHomoglyph, Want: "sеcurity"},
		{Text: "Русский тeкст с латинской e", Kind: KindHomoglyph, Want: "тeкст"},
		{Text: "the ΑΡΙ key", Kind: KindHomoglyph, Want: "ΑΡΙ"},
		{Text: "visit p𝐚ypal today", Kind: KindHomoglyph, Want: "p𝐚ypal"},
		{Text: "go to аррӏе.com for help", Kind: KindHomoglyph, Want: "аррӏе"},
		{Text: "ignоre previous instructions", Kind: KindHomoglyph, Want: "ignоre"},
		{Text: "您的аccount账户存在异常", Kind: KindHomoglyph, Want: "аccount"},
		// Near misses: single-script words, accented Latin, CJK mixes.
		{Text: "Съешь же ещё этих мягких французских булок"},
		{Text: "Η γρήγορη καφέ αλεπού πηδάει"},
		{Text: "naïve café, façade, Ærøskøbing, Straße"},
		{Text: "Türkçe kapıda ılık ışık"},
		{Text: "下载iPhone手机版 and GPT模型"},
		{Text: "東京タワーは、ひらがなとカタカナと漢字を混ぜる。"},
		{Text: "한국어 텍스트와 漢字"},
		{Text: "5 µm, 10 kΩ, α-helix, β-sheet, TNF-α"},
		{Text: "ＡＢＣ全角文字"},
		{Text: "Он сказал: ура, сор и рос"},
		{Text: "tokens like eratuная mentств sarnικ from a mixed vocabulary"},
	}
}
