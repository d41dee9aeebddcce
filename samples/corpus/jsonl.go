package corpus

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// JSONOptions tune how documents are serialised as JSON lines.
type JSONOptions struct {
	// ASCII escapes every non-ASCII character as \uXXXX (with surrogate
	// pairs above U+FFFF), as Python's json.dumps does by default. Decoded
	// values, and so label offsets, are the same either way.
	ASCII bool
}

// AppendJSON appends d as one JSON object (no trailing newline) to dst and
// returns the extended slice. Keys are written in a fixed order, so the
// output is deterministic. Strings are written raw (or \u-escaped with
// o.ASCII); only '"', '\\' and control characters are always escaped.
func AppendJSON(dst []byte, d *Doc, o JSONOptions) []byte {
	switch d.Shape {
	case ShapeCode:
		dst = append(dst, `{"repo":`...)
		dst = appendJSONString(dst, d.Repo, o.ASCII)
		dst = append(dst, `,"path":`...)
		dst = appendJSONString(dst, d.Path, o.ASCII)
		dst = append(dst, `,"content":`...)
		dst = appendJSONString(dst, d.Content, o.ASCII)
		dst = append(dst, `,"stars":`...)
		dst = strconv.AppendInt(dst, d.Stars, 10)
		return append(dst, '}')
	case ShapeChat:
		dst = append(dst, `{"id":`...)
		dst = appendJSONString(dst, d.ID, o.ASCII)
		dst = append(dst, `,"messages":[`...)
		for i, m := range d.Messages {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"role":`...)
			dst = appendJSONString(dst, m.Role, o.ASCII)
			dst = append(dst, `,"content":`...)
			dst = appendJSONString(dst, m.Content, o.ASCII)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	default:
		dst = append(dst, `{"id":`...)
		dst = appendJSONString(dst, d.ID, o.ASCII)
		if d.URL != "" {
			dst = append(dst, `,"url":`...)
			dst = appendJSONString(dst, d.URL, o.ASCII)
		}
		dst = append(dst, `,"text":`...)
		dst = appendJSONString(dst, d.Text, o.ASCII)
	}
	dst = append(dst, `,"meta":{"lang":`...)
	dst = appendJSONString(dst, d.Lang, o.ASCII)
	dst = append(dst, `,"source":`...)
	dst = appendJSONString(dst, d.Source, o.ASCII)
	if d.Shape == ShapeChat && d.Score != nil {
		dst = append(dst, `,"score":`...)
		dst = strconv.AppendFloat(dst, *d.Score, 'g', -1, 64)
	}
	return append(dst, `}}`...)
}

// WriteJSONL writes docs to w as JSON lines (see AppendJSON). It does not
// close w.
func WriteJSONL(w io.Writer, docs []Doc, o JSONOptions) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for i := range docs {
		buf = AppendJSON(buf[:0], &docs[i], o)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write doc %d: %w", i, err)
		}
	}
	return bw.Flush()
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 bytes are
// copied raw unless ascii is set, in which case they become \ufffd.
func appendJSONString(dst []byte, s string, ascii bool) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				dst = append(dst, '\\', '"')
			case c == '\\':
				dst = append(dst, '\\', '\\')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !ascii {
			dst = append(dst, s[i:i+size]...)
			i += size
			continue
		}
		if r > 0xffff {
			r -= 0x10000
			dst = appendU16(dst, 0xd800+(r>>10))
			dst = appendU16(dst, 0xdc00+(r&0x3ff))
		} else {
			dst = appendU16(dst, r)
		}
		i += size
	}
	return append(dst, '"')
}

func appendU16(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
