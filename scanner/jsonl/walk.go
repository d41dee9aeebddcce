// Package jsonl reads and writes JSON Lines (.jsonl, .json; plain, .gz or
// .zst) as records.Batches without decoding records into Go maps: a
// hand-written, allocation-free JSON walker finds every string leaf, decodes
// it into the batch's flat value buffer and remembers where its literal sits
// in the raw line, so the writer can splice redactions into an otherwise
// byte-identical line.
package jsonl

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// SyntaxError is a JSON syntax error at a byte offset of the record.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns the message; the offset is reported by records.RecordError.
func (e *SyntaxError) Error() string { return e.Msg }

// errDepth is returned for documents nested deeper than maxDepth.
var errDepth = errors.New("nesting too deep")

// maxDepth bounds nesting so that hostile input cannot exhaust memory.
const maxDepth = 10000

// Leaf is one string value found by Walker.Walk. Path and Value alias the
// walker's scratch buffers and are valid only during the callback.
type Leaf struct {
	// Path is the JSON path of the value, e.g. $.messages[2].content.
	Path []byte
	// Start and End delimit the string literal in the record, quotes included.
	Start, End int
	// Value is the decoded string (escapes resolved; lone surrogates are kept
	// as their WTF-8 bytes, which are invalid UTF-8).
	Value []byte
}

// Walker validates JSON records and reports their string leaves. The zero
// value is ready to use. A Walker keeps scratch buffers between calls and is
// not safe for concurrent use.
type Walker struct {
	path  []byte
	stack []frame
	value []byte
	leaf  Leaf // passed to the callback by pointer; a field so it does not escape per call
	// scalar, if set, is called for every number and true/false/null
	// literal with its path and raw text.
	scalar func(path, raw []byte)
}

// Scalar returns the raw text of the value at path in rec (a number, a
// literal, or a string's decoded value), or false when rec has no such
// value or is malformed. It allocates nothing but is a full walk: use it
// sparingly (e.g. for a --keep max:FIELD score).
func (w *Walker) Scalar(rec, path []byte) ([]byte, bool) {
	var out []byte
	found := false
	w.scalar = func(p, raw []byte) {
		if !found && string(p) == string(path) {
			out, found = raw, true
		}
	}
	err := w.Walk(rec, func(p []byte) bool { return !found && string(p) == string(path) }, func(l *Leaf) {
		if !found {
			out, found = l.Value, true
		}
	})
	w.scalar = nil
	return out, found && err == nil
}

type frame struct {
	array   bool
	index   int
	pathLen int // len(path) before this container's element suffix
}

// Walk parses rec as one JSON value (surrounding whitespace allowed) and calls
// leaf for every string value that is not an object key, in document order.
// If want is non-nil, only leaves whose path it accepts are decoded and
// reported. Walk returns a *SyntaxError for malformed input.
func (w *Walker) Walk(rec []byte, want func(path []byte) bool, leaf func(l *Leaf)) error {
	w.path = append(w.path[:0], '$')
	w.stack = w.stack[:0]
	i := skipWS(rec, 0)
	if i == len(rec) {
		return &SyntaxError{Offset: i, Msg: "empty record"}
	}
	// expectValue: parse a value at i, then handle container state.
	for {
		if i >= len(rec) {
			return &SyntaxError{Offset: i, Msg: "unexpected end of record"}
		}
		c := rec[i]
		switch {
		case c == '{':
			if len(w.stack) >= maxDepth {
				return &SyntaxError{Offset: i, Msg: errDepth.Error()}
			}
			w.stack = append(w.stack, frame{pathLen: len(w.path)})
			i = skipWS(rec, i+1)
			if i < len(rec) && rec[i] == '}' {
				i++
				w.stack = w.stack[:len(w.stack)-1]
				goto afterValue
			}
			var err error
			if i, err = w.key(rec, i); err != nil {
				return err
			}
			continue
		case c == '[':
			if len(w.stack) >= maxDepth {
				return &SyntaxError{Offset: i, Msg: errDepth.Error()}
			}
			w.stack = append(w.stack, frame{array: true, pathLen: len(w.path)})
			w.path = append(w.path, "[0]"...)
			i = skipWS(rec, i+1)
			if i < len(rec) && rec[i] == ']' {
				i++
				w.path = w.path[:w.stack[len(w.stack)-1].pathLen]
				w.stack = w.stack[:len(w.stack)-1]
				goto afterValue
			}
			continue
		case c == '"':
			start := i
			decode := want == nil || want(w.path)
			end, err := w.str(rec, i, decode)
			if err != nil {
				return err
			}
			if decode {
				w.leaf = Leaf{Path: w.path, Start: start, End: end, Value: w.value}
				leaf(&w.leaf)
			}
			i = end
		case c == 't':
			if !hasLit(rec, i, "true") {
				return &SyntaxError{Offset: i, Msg: "invalid literal"}
			}
			w.onScalar(rec[i : i+4])
			i += 4
		case c == 'f':
			if !hasLit(rec, i, "false") {
				return &SyntaxError{Offset: i, Msg: "invalid literal"}
			}
			w.onScalar(rec[i : i+5])
			i += 5
		case c == 'n':
			if !hasLit(rec, i, "null") {
				return &SyntaxError{Offset: i, Msg: "invalid literal"}
			}
			w.onScalar(rec[i : i+4])
			i += 4
		case c == '-' || c >= '0' && c <= '9':
			end, err := number(rec, i)
			if err != nil {
				return err
			}
			w.onScalar(rec[i:end])
			i = end
		default:
			return &SyntaxError{Offset: i, Msg: fmt.Sprintf("invalid character %s looking for a value", quoteByte(c))}
		}
	afterValue:
		for {
			i = skipWS(rec, i)
			if len(w.stack) == 0 {
				if i != len(rec) {
					return &SyntaxError{Offset: i, Msg: fmt.Sprintf("invalid character %s after top-level value", quoteByte(rec[i]))}
				}
				return nil
			}
			if i >= len(rec) {
				return &SyntaxError{Offset: i, Msg: "unexpected end of record"}
			}
			top := &w.stack[len(w.stack)-1]
			c := rec[i]
			if top.array {
				switch c {
				case ',':
					top.index++
					w.path = strconv.AppendInt(append(w.path[:top.pathLen], '['), int64(top.index), 10)
					w.path = append(w.path, ']')
					i = skipWS(rec, i+1)
				case ']':
					w.path = w.path[:top.pathLen]
					w.stack = w.stack[:len(w.stack)-1]
					i++
					continue afterValue
				default:
					return &SyntaxError{Offset: i, Msg: fmt.Sprintf("invalid character %s after array element", quoteByte(c))}
				}
			} else {
				switch c {
				case ',':
					w.path = w.path[:top.pathLen]
					var err error
					if i, err = w.key(rec, skipWS(rec, i+1)); err != nil {
						return err
					}
				case '}':
					w.path = w.path[:top.pathLen]
					w.stack = w.stack[:len(w.stack)-1]
					i++
					continue afterValue
				default:
					return &SyntaxError{Offset: i, Msg: fmt.Sprintf("invalid character %s after object value", quoteByte(c))}
				}
			}
			break
		}
	}
}

func (w *Walker) onScalar(raw []byte) {
	if w.scalar != nil {
		w.scalar(w.path, raw)
	}
}

// key parses `"name" :` at i, appends the member to the path and returns the
// offset of the value.
func (w *Walker) key(rec []byte, i int) (int, error) {
	if i >= len(rec) || rec[i] != '"' {
		if i >= len(rec) {
			return i, &SyntaxError{Offset: i, Msg: "unexpected end of record"}
		}
		return i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("invalid character %s looking for object key", quoteByte(rec[i]))}
	}
	end, err := w.str(rec, i, true)
	if err != nil {
		return end, err
	}
	w.path = AppendMember(w.path, w.value)
	i = skipWS(rec, end)
	if i >= len(rec) || rec[i] != ':' {
		return i, &SyntaxError{Offset: i, Msg: "missing ':' after object key"}
	}
	return skipWS(rec, i+1), nil
}

// AppendMember appends the path step for object member name to path:
// ".name" for identifier-like names, otherwise "['name']" with ' and \
// backslash-escaped.
func AppendMember(path, name []byte) []byte {
	ident := len(name) > 0
	for i, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			ident = false
			break
		}
	}
	if ident {
		path = append(path, '.')
		return append(path, name...)
	}
	path = append(path, "['"...)
	for _, c := range name {
		if c == '\'' || c == '\\' {
			path = append(path, '\\')
		}
		path = append(path, c)
	}
	return append(path, "']"...)
}

// str parses the string literal starting at rec[i] == '"'. If decode, the
// decoded bytes are left in w.value. It returns the offset after the closing
// quote.
func (w *Walker) str(rec []byte, i int, decode bool) (int, error) {
	start := i
	i++
	w.value = w.value[:0]
	for {
		// Fast path: copy a run of plain bytes.
		j := i + plainRun(rec[i:])
		if decode {
			w.value = append(w.value, rec[i:j]...)
		}
		i = j
		if i >= len(rec) {
			return i, &SyntaxError{Offset: start, Msg: "unterminated string"}
		}
		c := rec[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("invalid control character %s in string", quoteByte(c))}
		}
		// Escape.
		if i+1 >= len(rec) {
			return i, &SyntaxError{Offset: i, Msg: "unterminated escape"}
		}
		e := rec[i+1]
		var out byte
		switch e {
		case '"', '\\', '/':
			out = e
		case 'b':
			out = '\b'
		case 'f':
			out = '\f'
		case 'n':
			out = '\n'
		case 'r':
			out = '\r'
		case 't':
			out = '\t'
		case 'u':
			r, ok := hex4(rec, i+2)
			if !ok {
				return i, &SyntaxError{Offset: i, Msg: "invalid \\u escape"}
			}
			i += 6
			if r >= 0xD800 && r < 0xDC00 && i+1 < len(rec) && rec[i] == '\\' && rec[i+1] == 'u' {
				if r2, ok := hex4(rec, i+2); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					i += 6
					if decode {
						w.value = utf8.AppendRune(w.value, (r-0xD800)<<10|(r2-0xDC00)+0x10000)
					}
					continue
				}
			}
			if decode {
				if r >= 0xD800 && r < 0xE000 {
					// Lone surrogate: keep its WTF-8 bytes so the value is
					// flagged as invalid UTF-8 instead of silently replaced.
					w.value = append(w.value, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
				} else {
					w.value = utf8.AppendRune(w.value, r)
				}
			}
			continue
		default:
			return i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("invalid escape %s", quoteByte(e))}
		}
		if decode {
			w.value = append(w.value, out)
		}
		i += 2
	}
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func number(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return i, &SyntaxError{Offset: start, Msg: "invalid number"}
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return i, &SyntaxError{Offset: start, Msg: "invalid number"}
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, &SyntaxError{Offset: start, Msg: "invalid number"}
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, &SyntaxError{Offset: start, Msg: "invalid number"}
		}
	}
	return i, nil
}

func hasLit(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}

// AppendString appends s as a JSON string literal (with quotes) to dst.
// Quotes, backslashes and control characters are escaped; all other bytes,
// including non-ASCII UTF-8 and invalid bytes, are copied unchanged.
func AppendString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i, c := range s {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
