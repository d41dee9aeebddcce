// Command gen writes a large synthetic corpus for benchmarks:
//
//	go run ./benchmarks/gen -size 1GB -format jsonl.zst -out /tmp/bench
//
// Formats: jsonl, jsonl.zst, parquet (snappy). The mix is English web text,
// Chinese, chat (messages[]) and code, with planted PII, secrets and poison
// at a few percent of records. Output is deterministic for a seed.
//
// With -labels FILE it also writes one JSON line per planted finding
// (benchmarks.Label: file relative to -out, row, line, field, byte spans,
// expected kind and the value's SHA-256), the ground truth that
// benchmarks/score compares scanners against. Keep FILE outside -out so
// that scanners do not read it as data.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"

	"github.com/winnow-data/winnow/benchmarks"
)

func main() {
	size := flag.String("size", "256MB", "uncompressed corpus size (e.g. 512MB, 1GB)")
	format := flag.String("format", "jsonl", "jsonl, jsonl.zst or parquet")
	out := flag.String("out", "bench-data", "output directory")
	files := flag.Int("files", 4, "number of shard files")
	seed := flag.Uint64("seed", 1, "generator seed")
	labelsPath := flag.String("labels", "", "also write the planted findings' labels (JSONL) to this file")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	g := benchmarks.NewGenerator(*seed)
	var labels *json.Encoder
	var lf *os.File
	var lw *bufio.Writer
	if *labelsPath != "" {
		if lf, err = os.Create(*labelsPath); err != nil {
			fatal(err)
		}
		lw = bufio.NewWriterSize(lf, 1<<20)
		labels = json.NewEncoder(lw)
	}
	per := n / int64(*files)
	for i := 0; i < *files; i++ {
		base := fmt.Sprintf("shard-%05d.%s", i, *format)
		name := filepath.Join(*out, base)
		if err := write(name, base, *format, g, per, labels); err != nil {
			fatal(fmt.Errorf("%s: %w", name, err))
		}
		fmt.Println(name)
	}
	if lw != nil {
		if err := lw.Flush(); err != nil {
			fatal(err)
		}
		if err := lf.Close(); err != nil {
			fatal(err)
		}
	}
}

// writeLabels writes the generator's labels for the record at row of file.
func writeLabels(enc *json.Encoder, g *benchmarks.Generator, file string, row int64, jsonl bool) error {
	if enc == nil {
		return nil
	}
	for _, l := range g.Labels() {
		l.File, l.Row = file, row
		if jsonl {
			l.Line = row + 1
		}
		if err := enc.Encode(&l); err != nil {
			return err
		}
	}
	return nil
}

type row struct {
	ID   int64  `parquet:"id"`
	URL  string `parquet:"url"`
	Text string `parquet:"text"`
	Lang string `parquet:"lang,dict"`
}

func write(name, base, format string, g *benchmarks.Generator, size int64, labels *json.Encoder) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	switch format {
	case "jsonl", "jsonl.zst":
		var w io.Writer = bw
		var zw *zstd.Encoder
		if format == "jsonl.zst" {
			zw, _ = zstd.NewWriter(bw, zstd.WithEncoderConcurrency(2))
			w = zw
		}
		var buf []byte
		for written, row := int64(0), int64(0); written < size; row++ {
			buf = g.AppendJSONL(buf[:0])
			if _, err := w.Write(buf); err != nil {
				return err
			}
			if err := writeLabels(labels, g, base, row, true); err != nil {
				return err
			}
			written += int64(len(buf))
		}
		if zw != nil {
			if err := zw.Close(); err != nil {
				return err
			}
		}
	case "parquet":
		pw := parquet.NewGenericWriter[row](bw, parquet.Compression(&snappy.Codec{}), parquet.MaxRowsPerRowGroup(64<<10))
		rows := make([]row, 0, 1024)
		var id int64
		var text []byte
		for written := int64(0); written < size; {
			var kind int
			text, kind = g.AppendText(text[:0])
			if err := writeLabels(labels, g, base, id, false); err != nil {
				return err
			}
			id++
			rows = append(rows, row{ID: id, URL: "https://example.com/p/" + strconv.FormatInt(id, 10), Text: string(text), Lang: benchmarks.DocLang(kind)})
			written += int64(len(text) + 40)
			if len(rows) == cap(rows) {
				if _, err := pw.Write(rows); err != nil {
					return err
				}
				rows = rows[:0]
			}
		}
		if _, err := pw.Write(rows); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	return bw.Flush()
}

func parseSize(s string) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, x := range []struct {
		suf string
		m   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if strings.HasSuffix(u, x.suf) {
			mult, u = x.m, strings.TrimSuffix(u, x.suf)
			break
		}
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad -size %q", s)
	}
	return int64(v * float64(mult)), nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(2)
}
