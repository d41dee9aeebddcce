package provenance

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// manyRows returns n valid ledger rows spread over a few files.
func manyRows(n int) []LedgerRow {
	rows := make([]LedgerRow, n)
	next := map[string]int64{}
	outNext := map[string]int64{}
	for i := range rows {
		file := fmt.Sprintf("corpus/part-%d.jsonl", i%3)
		r := LedgerRow{File: file, Row: next[file], RecordHash: RecordHash([]byte(fmt.Sprint(i))), Decision: DecisionKept}
		next[file]++
		switch i % 7 {
		case 3:
			r.Decision, r.Reasons, r.Detectors = DecisionRedacted, []string{"pii.email", "pii.phone"}, []string{"pii.email@1", "pii.phone@2"}
		case 5:
			r.Decision, r.Reasons, r.Detectors = DecisionDropped, []string{"dup.exact"}, []string{"dedupe.exact@1"}
		}
		r.OutputFile = "data/" + file[len("corpus/"):]
		if r.Decision == DecisionDropped {
			r.OutputFile = "quarantine/" + file[len("corpus/"):]
		}
		r.OutputRow = outNext[r.OutputFile]
		outNext[r.OutputFile]++
		rows[i] = r
	}
	return rows
}

func encodeLedger(t testing.TB, rows []LedgerRow, split []int) []byte {
	t.Helper()
	var buf bytes.Buffer
	lw := NewLedgerWriter(&buf)
	for len(rows) > 0 {
		n := len(rows)
		if len(split) > 0 {
			n = min(split[0], n)
			split = append(split[1:], split[0])
		}
		// Hand the writer a scratch copy, then clobber it: Write must not
		// retain caller memory.
		batch := slices.Clone(rows[:n])
		for i := range batch {
			batch[i].Reasons = slices.Clone(batch[i].Reasons)
		}
		if err := lw.Write(batch); err != nil {
			t.Fatal(err)
		}
		for i := range batch {
			for j := range batch[i].Reasons {
				batch[i].Reasons[j] = "clobbered"
			}
			batch[i].File = "clobbered"
		}
		rows = rows[n:]
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLedgerRoundTripAndDeterminism(t *testing.T) {
	rows := manyRows(ledgerChunk*2 + 123)
	want := encodeLedger(t, rows, nil)
	for _, split := range [][]int{{1}, {7, 1000, 3}, {ledgerChunk}, {ledgerChunk + 1}} {
		t.Run(fmt.Sprint(split), func(t *testing.T) {
			if got := encodeLedger(t, rows, split); !bytes.Equal(got, want) {
				t.Errorf("ledger bytes depend on Write batching %v", split)
			}
		})
	}
	var got []LedgerRow
	err := ReadLedgerFrom(bytes.NewReader(want), int64(len(want)), func(r *LedgerRow) error {
		c := *r
		c.Reasons, c.Detectors = slices.Clone(r.Reasons), slices.Clone(r.Detectors)
		got = append(got, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
	for i := range rows {
		a, b := rows[i], got[i]
		if a.File != b.File || a.Row != b.Row || a.RecordHash != b.RecordHash || a.Decision != b.Decision ||
			!slices.Equal(a.Reasons, b.Reasons) || !slices.Equal(a.Detectors, b.Detectors) ||
			a.OutputFile != b.OutputFile || a.OutputRow != b.OutputRow {
			t.Fatalf("row %d: read %+v, wrote %+v", i, b, a)
		}
	}
}

func TestLedgerSchemaGolden(t *testing.T) {
	b := encodeLedger(t, fixtureLedger(), nil)
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var kv string
	for _, m := range f.Metadata().KeyValueMetadata {
		kv += fmt.Sprintf("%s=%s\n", m.Key, m.Value)
	}
	checkGolden(t, "ledger_schema.txt", []byte(f.Schema().String()+"\n"+kv+"created_by="+f.Metadata().CreatedBy+"\n"))
}

func TestLedgerWriterRejects(t *testing.T) {
	good := fixtureLedger()[1]
	tests := []struct {
		name string
		edit func(r *LedgerRow)
	}{
		{"decision", func(r *LedgerRow) { r.Decision = "kept " }},
		{"negative row", func(r *LedgerRow) { r.Row = -1 }},
		{"raw value as hash", func(r *LedgerRow) { r.RecordHash = "someone@example.com" }},
		{"uppercase hash", func(r *LedgerRow) { r.RecordHash = RecordHash(nil)[:63] + "A" }},
		{"output row without file", func(r *LedgerRow) { r.OutputFile = "" }},
		{"file without output row", func(r *LedgerRow) { r.OutputRow = -1 }},
		{"unsorted reasons", func(r *LedgerRow) { r.Reasons = []string{"pii.phone", "pii.email"} }},
		{"duplicate detectors", func(r *LedgerRow) { r.Detectors = []string{"a@1", "a@1"} }},
		{"redacted without reason", func(r *LedgerRow) { r.Reasons = nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.edit(&r)
			var buf bytes.Buffer
			lw := NewLedgerWriter(&buf)
			err := lw.Write([]LedgerRow{good, r})
			if !errors.Is(err, ErrBadLedgerRow) {
				t.Fatalf("Write err = %v, want ErrBadLedgerRow", err)
			}
			if cerr := lw.Close(); cerr == nil {
				t.Error("Close after a failed Write succeeded")
			}
		})
	}
}

func TestReadLedgerRejects(t *testing.T) {
	dir := t.TempDir()
	// A Parquet file without the ledger's columns.
	type other struct {
		A string `parquet:"a"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[other](&buf)
	w.Write([]other{{"x"}})
	w.Close()
	good := encodeLedger(t, fixtureLedger(), nil)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"json", []byte(`{"file":"a"}`)},
		{"truncated", good[:len(good)/2]},
		{"foreign parquet", buf.Bytes()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			writeFile(t, p, tc.data)
			err := ReadLedger(p, func(*LedgerRow) error { return nil })
			if !errors.Is(err, ErrNotLedger) {
				t.Errorf("err = %v, want ErrNotLedger", err)
			}
		})
	}
	stop := errors.New("stop")
	if err := ReadLedgerFrom(bytes.NewReader(good), int64(len(good)), func(*LedgerRow) error { return stop }); err != stop {
		t.Errorf("callback error = %v, want it returned as is", err)
	}
}
