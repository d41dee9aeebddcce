package corpus

import (
	"bytes"
	"fmt"
	"testing"
)

// FuzzReadExpected checks that ReadExpected never panics and that whatever
// it accepts survives a write/read round trip.
func FuzzReadExpected(f *testing.F) {
	f.Add([]byte(`{"file":"web/web-00000.jsonl","row":3,"field":"$.text","start":10,"end":20,"kind":"pii.email","dup_of_file":"","dup_of_row":0,"note":"email"}` + "\n"))
	f.Add([]byte("\n\n{\"kind\":\"dup.exact\",\"dup_of_row\":-1}\n"))
	f.Add([]byte(`{"kind":"x","note":"\u202e\ud83d\ude00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		labels, err := ReadExpected(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteExpected(&buf, labels); err != nil {
			t.Fatal(err)
		}
		again, err := ReadExpected(&buf)
		if err != nil {
			t.Fatalf("re-reading written labels: %v", err)
		}
		if len(again) != len(labels) {
			t.Fatalf("round trip changed the number of labels: %d -> %d", len(labels), len(again))
		}
		for i := range labels {
			a, b := labels[i], again[i]
			if a.File != b.File || a.Row != b.Row || a.Kind != b.Kind || a.Start != b.Start || a.End != b.End || a.DupOfRow != b.DupOfRow {
				t.Fatalf("label %d changed: %+v -> %+v", i, a, b)
			}
		}
	})
}

func BenchmarkWeb(b *testing.B) {
	b.ReportAllocs()
	var n int64
	for i := 0; i < b.N; i++ {
		docs := Web(uint64(i), 100, DefaultOptions())
		if i == 0 {
			for _, d := range docs {
				n += int64(len(d.Text) + len(d.URL))
			}
			b.SetBytes(n)
		}
	}
	b.ReportMetric(100, "docs/op")
}

func BenchmarkChat(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		docs := Chat(uint64(i), 100, DefaultOptions())
		if i == 0 {
			var n int64
			for _, d := range docs {
				for _, m := range d.Messages {
					n += int64(len(m.Content))
				}
			}
			b.SetBytes(n)
		}
	}
	b.ReportMetric(100, "docs/op")
}

func BenchmarkAppendJSON(b *testing.B) {
	docs := Web(1, 200, DefaultOptions())
	var total int64
	for i := range docs {
		total += int64(len(AppendJSON(nil, &docs[i], JSONOptions{})))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	var buf []byte
	for i := 0; i < b.N; i++ {
		for k := range docs {
			buf = AppendJSON(buf[:0], &docs[k], JSONOptions{})
		}
	}
}

// Example generates a few web pages and prints where the first planted
// item sits.
func Example() {
	docs := Web(7, 50, DefaultOptions())
	labels := Place(docs, func(i int) Location { return Location{File: "web/example.jsonl", Row: int64(i)} })
	for _, l := range labels {
		if l.Family() == "pii" {
			fmt.Println(l.File, l.Row, l.Field, l.Kind, l.End > l.Start)
			break
		}
	}
	fmt.Println(len(docs), docs[0].ID)
	// Output:
	// web/example.jsonl 19 $.text pii.phone true
	// 50 web-000000
}
