package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// addFilePaths rewrites a corpus stage's JSON report so that every object
// holding a plan file index ("file": 3) also names the file ("path":
// "data/web/a.jsonl") right after it: corpus detectors refer to records by
// plan index, which a reader of report.json cannot map. Member order and
// every other token are kept (numbers verbatim).
func addFilePaths(raw []byte, path func(int64) (string, bool)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		obj, wantKey bool
		n            int
		key          string
	}
	var st []frame
	var out bytes.Buffer
	done := func() {
		if len(st) > 0 {
			top := &st[len(st)-1]
			top.n++
			top.wantKey = top.obj
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			st = st[:len(st)-1]
			out.WriteByte(byte(d))
			done()
			continue
		}
		var top *frame
		if len(st) > 0 {
			top = &st[len(st)-1]
		}
		if top != nil && top.obj && top.wantKey {
			if top.n > 0 {
				out.WriteByte(',')
			}
			k, _ := tok.(string)
			b, _ := json.Marshal(k)
			out.Write(b)
			top.key, top.wantKey = k, false
			continue
		}
		if top != nil {
			if top.obj {
				out.WriteByte(':')
			} else if top.n > 0 {
				out.WriteByte(',')
			}
		}
		if d, ok := tok.(json.Delim); ok {
			out.WriteByte(byte(d))
			st = append(st, frame{obj: d == '{', wantKey: d == '{'})
			continue
		}
		b, err := json.Marshal(tok)
		if err != nil {
			return nil, err
		}
		out.Write(b)
		if num, ok := tok.(json.Number); ok && top != nil && top.obj && top.key == "file" {
			if i, err := num.Int64(); err == nil {
				if p, ok := path(i); ok {
					pb, _ := json.Marshal(p)
					out.WriteString(`,"path":`)
					out.Write(pb)
					top.n++
				}
			}
		}
		done()
	}
	if len(st) > 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return out.Bytes(), nil
}
