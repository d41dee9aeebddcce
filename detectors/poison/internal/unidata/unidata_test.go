package unidata

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"unicode"
)

func digest(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestDigests proves the committed data files and the generated trie are the
// pinned ones: editing a data file without regenerating fails here.
func TestDigests(t *testing.T) {
	fs := Files()
	if len(fs) < 7 {
		t.Fatalf("Files() lists %d files", len(fs))
	}
	for _, f := range fs {
		t.Run(f.Name, func(t *testing.T) {
			if got := digest(t, f.Name); got != f.SHA256 {
				t.Errorf("sha256 %s, pinned %s", got, f.SHA256)
			}
			if f.Version != UnicodeVersion || f.Source == "" {
				t.Errorf("bad metadata %+v", f)
			}
		})
	}
	if got := digest(t, "tables.bin"); got != TablesSHA256() {
		t.Errorf("tables.bin sha256 %s, generated %s", got, TablesSHA256())
	}
	// gen.go pins the same digests it writes into tables_gen.go.
	gen, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if !strings.Contains(string(gen), f.SHA256) {
			t.Errorf("gen.go does not pin %s (%s)", f.Name, f.SHA256)
		}
	}
}

func TestGoUnicodeVersion(t *testing.T) {
	// gen.go takes general categories from Go's unicode package.
	if unicode.Version != UnicodeVersion {
		t.Skipf("Go unicode %s differs from data %s: regenerate with a matching toolchain", unicode.Version, UnicodeVersion)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		r      rune
		script Script
		has    Flag
		hasnt  Flag
	}{
		{'a', ScriptLatin, Letter, Upper | Confusable | DICP},
		{'A', ScriptLatin, Letter | Upper, DICP},
		{'а', ScriptCyrillic, Letter | Confusable, Upper},
		{'Α', ScriptGreek, Letter | Upper | Confusable, 0},
		{'中', ScriptHan, Letter, Confusable | Upper},
		{'ー', ScriptCommon, Letter, 0},
		{'\u200b', ScriptCommon, DICP | Format, Letter},
		{'\u200d', ScriptInherited, DICP | Format | EmojiComponent, 0},
		{'\u202e', ScriptCommon, DICP | Format, 0},
		{'\ufe0f', ScriptInherited, DICP | Mark, 0},
		{'\U000E0041', ScriptCommon, DICP | Format, 0},
		{'\ue000', ScriptUnknown, Private, 0},
		{'😀', ScriptCommon, ExtPict | Emoji | Symbol, 0},
		{'\U0001F3FB', ScriptCommon, EmojiModifier, 0},
		{'ب', ScriptArabic, Letter | RTL, 0},
		{'1', ScriptCommon, Digit | Confusable, Letter},
		{' ', ScriptCommon, Space, 0},
		{'\b', ScriptCommon, Control, 0},
		{0x10FFFD, ScriptUnknown, Private, 0},
		{-1, ScriptUnknown, 0, Letter},
		{0x110000, ScriptUnknown, 0, Letter},
	}
	for _, tt := range tests {
		t.Run(string(tt.r), func(t *testing.T) {
			p := Lookup(tt.r)
			if p.Script != tt.script {
				t.Errorf("script %v, want %v", p.Script, tt.script)
			}
			if !p.Has(tt.has) {
				t.Errorf("flags %#x lack %#x", p.Flags, tt.has)
			}
			if p.Any(tt.hasnt) {
				t.Errorf("flags %#x have %#x", p.Flags, tt.hasnt)
			}
		})
	}
	// Agreement with Go's tables over the whole range for the categories gen
	// copied, and with the script tables Go also has.
	for r := rune(0); r <= unicode.MaxRune; r++ {
		p := Lookup(r)
		if p.Has(Letter) != unicode.IsLetter(r) {
			t.Fatalf("%U: Letter mismatch", r)
		}
		if unicode.Is(unicode.Cyrillic, r) != (p.Script == ScriptCyrillic) {
			t.Fatalf("%U: Cyrillic mismatch", r)
		}
	}
}

func TestExtensions(t *testing.T) {
	kana := Lookup('ー').Extensions()
	if !kana.Has(ScriptHiragana) || !kana.Has(ScriptKatakana) || kana.Has(ScriptLatin) {
		t.Errorf("ー extensions %v", kana)
	}
	if !Lookup('中').Extensions().And(Lookup('の').Extensions()).Has(ScriptJpan) {
		t.Error("Han and Hiragana do not meet in Jpan")
	}
	if !Lookup('a').Extensions().And(Lookup('а').Extensions()).Empty() {
		t.Error("Latin and Cyrillic intersect")
	}
	if Lookup('.').Extensions() != All() {
		t.Error("Common without extensions is not All")
	}
}

func TestConfusables(t *testing.T) {
	tests := []struct {
		r    rune
		want string
		ok   bool
	}{
		{'а', "a", true},
		{'ο', "o", true},
		{'ｐ', "p", true},
		{'𝐚', "a", true},
		{'a', "", false},
		{'中', "", false},
	}
	for _, tt := range tests {
		got, ok := Prototype(tt.r)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Prototype(%q) = %q, %v; want %q, %v", tt.r, got, ok, tt.want, tt.ok)
		}
	}
	la := LookalikeScripts('a')
	if !la.Has(ScriptLatin) || !la.Has(ScriptCyrillic) || !la.Has(ScriptGreek) {
		t.Errorf("lookalikes of a: %v", la)
	}
	if !LookalikeScripts('а').Has(ScriptLatin) {
		t.Error("Cyrillic а has no Latin lookalike")
	}
	if !LookalikeScripts('中').Empty() {
		t.Error("中 has lookalikes")
	}
	if len(RGITagSequences()) != 3 || RGITagSequences()[0].Spec != "gbeng" {
		t.Errorf("RGI tag sequences %v", RGITagSequences())
	}
}

func BenchmarkLookup(b *testing.B) {
	text := []rune("Съешь же ещё этих мягких французских булок 中文字符 العربية")
	b.ReportAllocs()
	var n int
	for i := 0; i < b.N; i++ {
		for _, r := range text {
			if Lookup(r).Has(Letter) {
				n++
			}
		}
	}
	_ = n
	b.SetBytes(int64(len(string(text))))
}

// TestConfTrie checks the confusables trie against the sorted table.
func TestConfTrie(t *testing.T) {
	found := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		i := confIndex(r)
		if i < 0 {
			continue
		}
		if confusables[i].src != r {
			t.Fatalf("%U maps to entry of %U", r, confusables[i].src)
		}
		if !Lookup(r).Has(Confusable) {
			t.Fatalf("%U has an entry but no Confusable flag", r)
		}
		found++
	}
	if found != len(confusables) {
		t.Errorf("trie reaches %d of %d entries", found, len(confusables))
	}
	if confIndex(-1) != -1 || confIndex(0x110000) != -1 {
		t.Error("out-of-range runes have entries")
	}
}
