package pii

import (
	"fmt"
	"testing"

	"github.com/winnow-data/winnow/detectors"
)

// TestNoAllocWithoutFindings checks that Detect allocates nothing on values
// without findings, near misses included.
func TestNoAllocWithoutFindings(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	ds := Detectors(DefaultOptions())
	dst := make([]detectors.Match, 0, 16)
	for _, d := range ds {
		for _, s := range noFindingTexts {
			text := []byte(s)
			if ms := d.Detect(dst[:0], text); len(ms) > 0 {
				t.Fatalf("%s: unexpected finding in %q: %v", d.ID(), s, ms)
			}
			d.Detect(dst[:0], text) // warm lazy tables and pools
			if n := testing.AllocsPerRun(20, func() { d.Detect(dst[:0], text) }); n != 0 {
				t.Errorf("%s: %v allocs on %q", d.ID(), n, s)
			}
		}
	}
}

// noFindingTexts are values without findings, near misses included.
var noFindingTexts = []string{
	"Plain prose without personal data, but with numbers: 2024, 15%, 3.14 and v1.2.3.",
	"订单号 20240115123456789 已发货，价格为 ¥1,299.00 元，版本 2.3.1。",
	"card 4111 1111 1111 1112; SSN 000-12-3456; IBAN DE89 3704 0044 0532 0130 01",
	"gateway 192.168.1.1, loopback ::1, version 1.2.3.4, OID 1.3.6.1.4.1.2021",
	"@decorator user@localhost logo@2x.png lodash@4.17.21 https://user:password@example.com",
	"uuid 123e4567-e89b-12d3-a456-426614174000 sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"Released on 2024-01-15 at 12:30:45; ID 4155552671; +1 000 000 0000; dial 555-0100",
	"QQ123456C 12800138000 440304199003072313 2345 6789 0125 00:00:00:00:00:00",
	"全角数字１２３４５ ٠١٢٣ ۱۲۳ १२३ 和全角标点，：；！？（）",
}

// TestSetNoAllocWithoutFindings checks the same through a Set, where the
// digit-based detectors get the runs of the Set's shared digit pass.
func TestSetNoAllocWithoutFindings(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	set := detectors.Compile(testRegistry(t, DefaultOptions()), nil)
	var sc detectors.Scratch
	dst := make([]detectors.Hit, 0, 16)
	for _, s := range noFindingTexts {
		text := []byte(s)
		if hits := set.Detect(dst[:0], text, &sc); len(hits) > 0 {
			t.Fatalf("unexpected finding in %q: %v", s, hits)
		}
		if n := testing.AllocsPerRun(20, func() { set.Detect(dst[:0], text, &sc) }); n != 0 {
			t.Errorf("%v allocs on %q", n, s)
		}
	}
}

// TestNoAllocWithFindings checks the steady state with findings too: only
// dst grows, and a dst with room is enough.
func TestNoAllocWithFindings(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	text := []byte("mail jane@example.com, call +44 20 7946 0958, card 4111 1111 1111 1111, " +
		"IBAN DE89 3704 0044 0532 0130 00, SSN 536-22-8495, ip 8.8.8.8, mac 00:1A:2B:3C:4D:5E, " +
		"身份证号11010519491231002X, 手机13800138000, NINO AB123456C, Aadhaar 2345 6789 0124, " +
		"btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, db postgres://u:Zq8v1LmP@h/db")
	dst := make([]detectors.Match, 0, 64)
	for _, d := range Detectors(DefaultOptions()) {
		if len(d.Detect(dst[:0], text)) == 0 {
			t.Errorf("%s: no finding", d.ID())
		}
		if n := testing.AllocsPerRun(20, func() { d.Detect(dst[:0], text) }); n != 0 {
			t.Errorf("%s: %v allocs", d.ID(), n)
		}
	}
}

// TestConcurrentDetect runs every detector from several goroutines at once
// (run with -race) and checks they agree with a sequential run.
func TestConcurrentDetect(t *testing.T) {
	texts := mixedCorpus(t)
	ds := Detectors(DefaultOptions())
	want := make([][]detectors.Match, len(texts))
	for i, text := range texts {
		for _, d := range ds {
			want[i] = d.Detect(want[i], text)
		}
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := range texts {
				var got []detectors.Match
				for _, d := range ds {
					got = d.Detect(got, texts[i])
				}
				if len(got) != len(want[i]) {
					done <- fmt.Errorf("text %d: %d matches, want %d", i, len(got), len(want[i]))
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
