package scanner

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// FindingRow is one row of findings.parquet / findings.jsonl (DESIGN §5).
// Optional fields are empty unless the finding is a duplicate (Cluster,
// KeptFile, KeptRow, Similarity) or --show-values was given (Value).
type FindingRow struct {
	File       string   `parquet:"file,dict" json:"file"`
	Row        int64    `parquet:"row" json:"row"`
	Field      string   `parquet:"field,dict" json:"field"`
	Start      int64    `parquet:"start" json:"start"`
	End        int64    `parquet:"end" json:"end"`
	Kind       string   `parquet:"kind,dict" json:"kind"`
	Detector   string   `parquet:"detector,dict" json:"detector"`
	Confidence float64  `parquet:"confidence" json:"confidence"`
	Action     string   `parquet:"action,dict" json:"action"`
	ValueHash  string   `parquet:"value_hash" json:"value_hash"`
	Cluster    *string  `parquet:"cluster,optional" json:"cluster,omitempty"`
	KeptFile   *string  `parquet:"kept_file,optional" json:"kept_file,omitempty"`
	KeptRow    *int64   `parquet:"kept_row,optional" json:"kept_row,omitempty"`
	Similarity *float64 `parquet:"similarity,optional" json:"similarity,omitempty"`
	Detail     *string  `parquet:"detail,optional" json:"detail,omitempty"`
	Value      *string  `parquet:"value,optional" json:"value,omitempty"`
}

// findingsWriter writes FindingRows in either format. Not safe for
// concurrent use.
type findingsWriter interface {
	Write(rows []FindingRow) error
	Close() error
}

func newFindingsWriter(format string, w io.Writer) (findingsWriter, error) {
	switch format {
	case "", "parquet":
		pw := parquet.NewGenericWriter[FindingRow](w,
			parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
			parquet.MaxRowsPerRowGroup(1<<20),
			parquet.CreatedBy("winnow", "", ""),
		)
		return &parquetFindings{w: pw}, nil
	case "jsonl":
		bw := bufio.NewWriterSize(w, 1<<16)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &jsonlFindings{bw: bw, enc: enc}, nil
	}
	return nil, fmt.Errorf("unknown findings format %q (want parquet or jsonl)", format)
}

// findingsChunk is how many rows parquetFindings hands the Parquet writer
// at a time. The chunks do not depend on how callers batch their rows, so
// a staged commit that merges shard parts writes the same bytes as one
// in-process run.
const findingsChunk = 4096

type parquetFindings struct {
	w    *parquet.GenericWriter[FindingRow]
	pend []FindingRow
}

func (p *parquetFindings) Write(rows []FindingRow) error {
	for len(rows) > 0 {
		n := min(findingsChunk-len(p.pend), len(rows))
		p.pend = append(p.pend, rows[:n]...)
		rows = rows[n:]
		if len(p.pend) == findingsChunk {
			if err := p.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parquetFindings) flush() error {
	if len(p.pend) == 0 {
		return nil
	}
	_, err := p.w.Write(p.pend)
	clear(p.pend)
	p.pend = p.pend[:0]
	return err
}

func (p *parquetFindings) Close() error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.w.Close()
}

type jsonlFindings struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func (j *jsonlFindings) Write(rows []FindingRow) error {
	for i := range rows {
		if err := j.enc.Encode(&rows[i]); err != nil {
			return err
		}
	}
	return nil
}
func (j *jsonlFindings) Close() error { return j.bw.Flush() }

// readFindingsParquet reads every row of a findings.parquet file.
func readFindingsParquet(path string) ([]FindingRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := parquet.NewGenericReader[FindingRow](pf)
	defer r.Close()
	rows := make([]FindingRow, r.NumRows())
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows[:n], nil
}
