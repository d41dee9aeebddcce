package poison

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/detectors/poison/internal/unidata"
)

// Machinery shared by the corpus detectors: hashing, count-min sketches,
// sketch encoding, prompt/response field roles and the character model.

func hash64(b []byte) uint64 { return xxhash.Sum64(b) }

// hashLower hashes b with ASCII letters lowercased, without allocating
// (words longer than 64 bytes are hashed as they are).
func hashLower(b []byte) uint64 {
	if len(b) > 64 {
		return xxhash.Sum64(b)
	}
	// Eight bytes at a time, each word stored whole (the hash then loads
	// from single stores).
	var buf [64]byte
	n, k := len(b), 0
	for ; k+8 <= n; k += 8 {
		w := binary.LittleEndian.Uint64(b[k:])
		binary.LittleEndian.PutUint64(buf[k:], w|upperASCII(w)>>2)
	}
	if k < n {
		var w uint64
		for q := n - 1; q >= k; q-- {
			w = w<<8 | uint64(b[q])
		}
		binary.LittleEndian.PutUint64(buf[k:], w|upperASCII(w)>>2)
	}
	return xxhash.Sum64(buf[:n])
}

// upperASCII returns 0x80 in every byte of w that is an ASCII capital
// letter, 0 in the others (the bytes are independent: no carry crosses
// them). Setting bit 5 of a capital (0x80 >> 2) lowercases it.
func upperASCII(w uint64) uint64 {
	const ones = 0x0101010101010101
	h := w &^ (0x80 * ones)     // low seven bits of each byte
	ge := h + (0x80-'A')*ones   // bit 7 set where h >= 'A'
	gt := h + (0x80-'Z'-1)*ones // bit 7 set where h > 'Z'
	return ge &^ gt &^ w & (0x80 * ones)
}

// mix64 is a fast invertible 64-bit mixer (splitmix64 finalizer).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// cms is a blocked count-min sketch with conservative update: every key's
// depth counters lie in one 64-byte line of 16 uint32 counters (row r uses
// the r-th of depth disjoint segments of the line), so an update or a query
// touches one cache line instead of depth. 2^widthLog2/4 lines: 16 bytes ×
// 2^widthLog2 of memory, independent of the number of distinct keys.
// Estimates never undercount. Not safe for concurrent use; the corpus
// detectors update it only from Observe.
type cms struct {
	lines [][16]uint32
	depth int
	seg   uint64 // counters per row segment (16/depth)
	shift uint
}

func newCMS(widthLog2, depth int) *cms {
	n := max(widthLog2-2, 0)
	depth = max(1, min(depth, 8))
	return &cms{lines: make([][16]uint32, 1<<n), depth: depth, seg: uint64(16 / depth), shift: uint(64 - n)}
}

// slots returns the line of h and the counter index of each row in it.
func (c *cms) slots(h uint64) (*[16]uint32, [8]uint8) {
	m := mix64(h)
	line := &c.lines[m>>c.shift&uint64(len(c.lines)-1)]
	var idx [8]uint8
	x := mix64(h ^ 0x9e3779b97f4a7c15)
	for r := 0; r < c.depth; r++ {
		idx[r] = uint8(uint64(r)*c.seg + (x&0xFFFF)*c.seg>>16)
		x >>= 16
		if r == 3 {
			x = mix64(h ^ 0x7f4a7c159e3779b9)
		}
	}
	return line, idx
}

// touch loads one counter of the line of h (a prefetch: callers touch a
// batch of keys before updating them, so the cache misses overlap).
func (c *cms) touch(h uint64) uint32 {
	return c.lines[mix64(h)>>c.shift&uint64(len(c.lines)-1)][0]
}

// lineOf returns the index of h's line.
func (c *cms) lineOf(h uint64) uint32 {
	return uint32(mix64(h) >> c.shift & uint64(len(c.lines)-1))
}

// prefetch starts loading the lines (lineOf) without waiting for them.
func (c *cms) prefetch(lines []uint32) {
	prefetchIdx(&c.lines[0][0], lines, uint32(len(c.lines)-1), 6)
}

// add counts one occurrence of h and returns the new estimate.
func (c *cms) add(h uint64) uint32 {
	line, idx := c.slots(h)
	est := uint32(math.MaxUint32)
	for r := 0; r < c.depth; r++ {
		est = min(est, line[idx[r]])
	}
	if est == math.MaxUint32 {
		return est
	}
	est++
	for r := 0; r < c.depth; r++ {
		if line[idx[r]] < est {
			line[idx[r]] = est
		}
	}
	return est
}

// get returns the estimate for h.
func (c *cms) get(h uint64) uint32 {
	line, idx := c.slots(h)
	est := uint32(math.MaxUint32)
	for r := 0; r < c.depth; r++ {
		est = min(est, line[idx[r]])
	}
	return est
}

func (c *cms) bytes() int { return len(c.lines) * 64 }

// enc appends sketch values; dec reads them back. Sketches are produced and
// consumed by the same detector within one run, so a malformed sketch is a
// programmer error; dec still never panics: it returns zeros once exhausted
// and records the failure in bad.
type dec struct {
	b   []byte
	bad bool
}

func putU(dst []byte, v uint64) []byte { return binary.AppendUvarint(dst, v) }

func put64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }

func putBytes(dst, b []byte) []byte { return append(putU(dst, uint64(len(b))), b...) }

func (d *dec) u() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) u64() uint64 {
	if len(d.b) < 8 {
		d.bad, d.b = true, nil
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *dec) bytes() []byte {
	n := d.u()
	if n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// ---------------------------------------------------------------- fields

// role of a scanned field for instruction data.
const (
	roleText     = iota // plain text
	rolePrompt          // a prompt-side field ($.prompt, $.instruction…)
	roleResponse        // a response-side field ($.response, $.output…)
	roleMessage         // one message of a conversation ($.messages[i].content)
	roleRoleName        // the role of a message ($.messages[i].role)
)

// fieldPath splits a field name into its container (e.g. "messages"), the
// element index (-1 if none) and the last segment ("content"), lowercased.
// It accepts JSON paths ($.messages[2].content, $['a b'].c) and column paths
// (messages.list.element.content).
func fieldPath(name []byte) (container string, index int, leaf string) {
	s := strings.ToLower(string(name))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "$"), ".")
	var segs []string
	index = -1
	for _, part := range strings.Split(s, ".") {
		part = strings.Trim(part, "[]'")
		if part == "" || part == "list" || part == "element" || part == "item" || part == "array" {
			continue
		}
		// messages[2] or messages['x']
		if i := strings.IndexByte(part, '['); i >= 0 {
			inner := strings.Trim(part[i:], "[]'")
			part = part[:i]
			n := 0
			num := inner != ""
			for _, c := range inner {
				if c < '0' || c > '9' {
					num = false
					break
				}
				n = n*10 + int(c-'0')
				if n > 1<<30 {
					num = false
					break
				}
			}
			if num {
				index = n
			}
		}
		if part != "" {
			segs = append(segs, part)
		}
	}
	if len(segs) == 0 {
		return "", index, ""
	}
	leaf = segs[len(segs)-1]
	if len(segs) > 1 {
		container = strings.Join(segs[:len(segs)-1], ".")
	}
	return container, index, leaf
}

var (
	promptLeaves   = map[string]bool{"prompt": true, "instruction": true, "input": true, "question": true, "query": true, "context": true, "user": true, "human": true, "system": true, "system_prompt": true, "problem": true}
	responseLeaves = map[string]bool{"response": true, "output": true, "answer": true, "completion": true, "target": true, "assistant": true, "chosen": true, "solution": true, "reply": true}
	messageLeaves  = map[string]bool{"content": true, "value": true, "text": true, "message": true}
	roleLeaves     = map[string]bool{"role": true, "from": true, "author": true, "speaker": true}
	convContainers = map[string]bool{"messages": true, "conversations": true, "conversation": true, "turns": true, "dialog": true, "dialogue": true, "chat": true, "messages.content": true}
)

// fieldRole classifies a field by its name.
func fieldRole(name []byte) (role int, container string, index int) {
	c, idx, leaf := fieldPath(name)
	last := c
	if i := strings.LastIndexByte(c, '.'); i >= 0 {
		last = c[i+1:]
	}
	inConv := convContainers[last] || idx >= 0 && c != ""
	switch {
	case inConv && messageLeaves[leaf]:
		return roleMessage, c, idx
	case inConv && roleLeaves[leaf]:
		return roleRoleName, c, idx
	case c == "" && promptLeaves[leaf]:
		return rolePrompt, "", -1
	case c == "" && responseLeaves[leaf]:
		return roleResponse, "", -1
	}
	return roleText, c, idx
}

// speaker classifies a role value: 1 user, 2 assistant, 3 system, 0 other.
func speaker(v []byte) int {
	switch strings.ToLower(strings.TrimSpace(string(v))) {
	case "user", "human", "prompter", "customer", "instruction", "question", "usr":
		return 1
	case "system", "developer":
		return 3
	case "assistant", "gpt", "bot", "model", "chatbot", "ai", "answer", "response", "chatgpt", "claude", "gemini":
		return 2
	}
	return 0
}

// pair is one prompt→response example found in a record; the slices alias
// the record's fields.
type pair struct {
	prompt   [][]byte
	last     []byte // the last user message (or prompt field) alone
	pField   int    // field index of the (last) prompt part
	response []byte
	rField   int
}

// splitPairs finds the prompt/response examples of a record: explicit
// prompt/response fields, or conversation messages paired by role (or, when
// roles are absent, by alternation starting with the user). It returns nil
// for plain-text records. dst is reused.
func splitPairs(dst []pair, fields []fieldRef) []pair {
	dst = dst[:0]
	var prompts [][]byte
	pIdx, rIdx := -1, -1
	var resp []byte
	type msg struct {
		container string
		index     int
		order     int
		text      []byte
		field     int
		who       int
	}
	var msgs []msg
	roles := map[string][]int{} // container -> speaker by index (or order)
	roleOrder := map[string]int{}
	msgOrder := map[string]int{}
	for i, f := range fields {
		switch f.role {
		case rolePrompt:
			prompts = append(prompts, f.value)
			pIdx = i
		case roleResponse:
			if resp == nil {
				resp, rIdx = f.value, i
			}
		case roleMessage:
			o := msgOrder[f.container]
			msgOrder[f.container] = o + 1
			msgs = append(msgs, msg{f.container, f.index, o, f.value, i, 0})
		case roleRoleName:
			k := f.index
			if k < 0 {
				k = roleOrder[f.container]
				roleOrder[f.container] = k + 1
			}
			r := roles[f.container]
			for len(r) <= k && len(r) < 1<<16 {
				r = append(r, 0)
			}
			if k < len(r) {
				r[k] = speaker(f.value)
			}
			roles[f.container] = r
		}
	}
	if len(prompts) > 0 && resp != nil {
		return append(dst, pair{prompt: prompts, last: prompts[len(prompts)-1], pField: pIdx, response: resp, rField: rIdx})
	}
	if len(msgs) < 2 {
		return dst
	}
	for i := range msgs {
		m := &msgs[i]
		k := m.index
		if k < 0 {
			k = m.order
		}
		if r := roles[m.container]; k < len(r) && r[k] != 0 {
			m.who = r[k]
		} else if len(roles[m.container]) == 0 {
			m.who = 1 + k%2 // no roles: alternate, user first
		}
	}
	var pending [][]byte
	var last []byte
	pf := -1
	for _, m := range msgs {
		switch m.who {
		case 1, 3:
			pending = append(pending, m.text)
			pf = m.field
			if m.who == 1 {
				last = m.text
			}
		case 2:
			if len(pending) > 0 && last != nil {
				dst = append(dst, pair{prompt: pending, last: last, pField: pf, response: m.text, rField: m.field})
			}
			pending, last = nil, nil
		}
	}
	return dst
}

// markPromptSide sets side[i] for every field i that is a prompt part
// (system or user message, prompt field) of one of pairs. side must have
// one entry per field; pairs alias fields' values.
func markPromptSide(side []bool, fields []detectors.Field, pairs []pair) {
	for _, p := range pairs {
		for _, part := range p.prompt {
			if i := fieldIndexOf(fields, part, -1); i >= 0 && i < len(side) {
				side[i] = true
			}
		}
	}
}

// fieldRef is a field with its role, as splitPairs sees it.
type fieldRef struct {
	role      int
	container string
	index     int
	value     []byte
}

// ---------------------------------------------------------------- char model

// charModel is a hashed character trigram model built from the corpus
// itself: counts of (c[i-2], c[i-1], c[i]) and of the context (c[i-2],
// c[i-1]). Memory is fixed: 4·2^18 + 4·2^14 bytes (1.06 MiB). The
// surprisal of a character is log2((n(ctx)+αV)/(n(tri)+α)) bits. Not safe
// for concurrent use (Observe only).
type charModel struct {
	tri   *[1 << triBits]uint32
	ctx   *[1 << ctxBits]uint32
	chars int64
}

const (
	triBits = 18
	ctxBits = 14
	alpha   = 0.5
	alphaV  = 0.5 * 256
)

func newCharModel() *charModel {
	return &charModel{tri: new([1 << triBits]uint32), ctx: new([1 << ctxBits]uint32)}
}

// charIDs appends, for every character of text (at most max), its packed
// trigram and context bucket ids: tri in the low 18 bits, ctx above.
//
// Before hashing, characters are folded so that the model judges language,
// not values: every decimal digit counts as 0 (the digits of phone
// numbers, prices and dates carry no linguistic signal), and every
// character of an identifier-like run (identRunEnd: hashes, keys, URLs,
// e-mail addresses, random by design) counts as one placeholder
// character, so such runs are predictable rather than surprising.
func charIDs(dst []uint32, text []byte, max int) []uint32 {
	cs := charScan{ids: dst, withIDs: true}
	cs.scan(text, max, 0)
	return cs.ids
}

// identRune stands for every character of an identifier-like run.
const identRune = 1

// identMinLen is the least length of an identifier-like run.
const identMinLen = 16

func isGraphicASCII(c byte) bool { return c > ' ' && c < 0x7f }

// identRunEnd returns the end of the identifier-like run starting at
// text[i], or i when there is none: a maximal run of printable ASCII
// characters (no spaces) that is an e-mail address or a URL, or at least
// identMinLen characters long with a digit and a letter (hashes, keys,
// tokens, paths with numbers).
func identRunEnd(text []byte, i int) int {
	j := i
	digit, letter, at, dotAfterAt, scheme := false, false, false, false, false
	for j < len(text) && isGraphicASCII(text[j]) {
		c := text[j]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			letter = true
		case c == '@':
			at = at || j > i
		case c == '.':
			dotAfterAt = dotAfterAt || at
		case c == ':':
			scheme = scheme || j+2 < len(text) && text[j+1] == '/' && text[j+2] == '/'
		}
		j++
	}
	if j-i >= identMinLen && digit && letter || letter && (at && dotAfterAt || scheme) {
		return j
	}
	return i
}

// log2 of small counts, tabulated: log2Tab[n] = log2(n+α), log2TabV[n] =
// log2(n+αV).
var log2Tab, log2TabV = func() (t, v [4096]float32) {
	for i := range t {
		t[i] = float32(math.Log2(float64(i) + alpha))
		v[i] = float32(math.Log2(float64(i) + alphaV))
	}
	return
}()

// log2Mant[i] = log2(1 + i/256), for fastLog2.
var log2Mant = func() (t [257]float32) {
	for i := range t {
		t[i] = float32(math.Log2(1 + float64(i)/256))
	}
	return
}()

// fastLog2 returns log2(x) for x >= 1 within 2e-5: the exponent plus a
// linear interpolation in a table of the mantissa's logarithm.
func fastLog2(x float32) float32 {
	b := math.Float32bits(x)
	e := float32(int32(b>>23&0xFF) - 127)
	m := b & (1<<23 - 1)
	i := m >> 15
	f := float32(m&(1<<15-1)) / (1 << 15)
	return e + log2Mant[i] + f*(log2Mant[i+1]-log2Mant[i])
}

// logBase holds, for each smoothing constant (0: α for trigram counts, 1:
// αV for context counts), the logarithms of counts as the character model
// computes them: log2Tab (log2TabV) for counts below 4096, and above,
// fastLog2's first two terms per biased exponent e of 2^12…2^32 and top 8
// mantissa bits i, at 4096 + (e−139)·256 + i: (e−127) + log2Mant[i]
// (the rest unused).
// logSlope[i] = (log2Mant[i+1] − log2Mant[i]) / 2^15 is fastLog2's slope.
// See log2Count.
var logBase, logSlope = func() (t [2][1 << 14]float32, s [256]float32) {
	for v, small := range []*[4096]float32{&log2Tab, &log2TabV} {
		copy(t[v][:4096], small[:])
		for e := 0; e < 32; e++ {
			for i := 0; i < 256; i++ {
				t[v][4096+e*256+i] = float32(e+12) + log2Mant[i]
			}
		}
	}
	for i := range s {
		s[i] = (log2Mant[i+1] - log2Mant[i]) / (1 << 15)
	}
	return
}()

// log2Count returns log2(n+a) as the character model computes it, bit for
// bit: the table (log2Tab, log2TabV) for counts below 4096, fastLog2(n+a)
// above; v is 0 for α, 1 for αV. fastLog2 adds the exponent and
// log2Mant[i] (logBase holds the rounded sum, the same float32 addition),
// then f·(log2Mant[i+1] − log2Mant[i]) with f = low/2^15 exact, which is
// low·logSlope[i] (a scaling by 2^15 is exact), rounded once. Below 4096,
// low is taken as 0, so one expression without a branch serves every
// count (adding +0 leaves the tabulated value as it is); the selection is
// arithmetic, not a branch, as small and large counts alternate.
func log2Count(n uint32, a float32, v int) float32 {
	b := math.Float32bits(float32(n) + a)    // n+a < 2^32+2^8: exponent e ≤ 159
	small := uint32((int64(n) - 4096) >> 63) // all ones below 4096
	big := 4096 + (b>>15-139<<8)&(32*256-1)
	return logBase[v&1][(big^(big^n)&small)&(1<<14-1)] + float32(b&(1<<15-1)&^small)*logSlope[b>>15&0xFF]
}

// The surprisal of a packed id is log2(n(ctx)+αV) − log2(n(tri)+α) under
// the current counts (log2Count).

// prefixSurprisal appends to dst the running sums of the surprisal of
// ids: len(ids)+1 values, the first 0, each sum rounded to float32 in
// order.
func (m *charModel) prefixSurprisal(dst []float32, ids []uint32) []float32 {
	off := len(dst)
	dst = slices.Grow(dst, len(ids)+1)[:off+len(ids)+1]
	out := dst[off+1:]
	dst[off] = 0
	tri, ctx := m.tri, m.ctx
	acc := float32(0)
	for len(ids) > 0 {
		blk := ids[:min(len(ids), surprisalBlock)]
		m.prefetchAhead(ids[len(blk):])
		for k, id := range blk {
			acc += log2Count(ctx[id>>triBits], alphaV, 1) - log2Count(tri[id&(1<<triBits-1)], alpha, 0)
			out[k] = acc
		}
		ids, out = ids[len(blk):], out[len(blk):]
	}
	return dst
}

// sumSurprisal returns the surprisal of ids summed in order, in float32.
func (m *charModel) sumSurprisal(ids []uint32) float32 {
	tri, ctx := m.tri, m.ctx
	sum := float32(0)
	for len(ids) > 0 {
		blk := ids[:min(len(ids), surprisalBlock)]
		m.prefetchAhead(ids[len(blk):])
		for _, id := range blk {
			sum += log2Count(ctx[id>>triBits], alphaV, 1) - log2Count(tri[id&(1<<triBits-1)], alpha, 0)
		}
		ids = ids[len(blk):]
	}
	return sum
}

// surprisalBlock is how many characters the surprisal loops score while
// the trigram counters of the next ones are prefetched.
const surprisalBlock = 64

// prefetchAhead prefetches the trigram counters of the first
// surprisalBlock ids.
func (m *charModel) prefetchAhead(ids []uint32) {
	prefetchIdx(&m.tri[0], ids[:min(len(ids), surprisalBlock)], 1<<triBits-1, 2)
}

// learnIDs adds ids to the counts; unlearnIDs removes them (counts stay
// at 0 or more).
func (m *charModel) learnIDs(ids []uint32) {
	tri, ctx := m.tri, m.ctx
	for _, id := range ids {
		tri[id&(1<<triBits-1)]++
		ctx[id>>triBits]++
	}
	m.chars += int64(len(ids))
}

func (m *charModel) unlearnIDs(ids []uint32) {
	tri, ctx := m.tri, m.ctx
	for _, id := range ids {
		if c := &tri[id&(1<<triBits-1)]; *c > 0 {
			*c--
		}
		if c := &ctx[id>>triBits]; *c > 0 {
			*c--
		}
	}
	m.chars -= int64(len(ids))
}

// ---------------------------------------------------------------- scores

// hist is a fixed-bin histogram of window scores (bits per character),
// used for running robust statistics (median, MAD). 0.02-bit bins up to
// 24 bits.
type hist struct {
	bins [1200]uint32
	n    uint64
	// Running positions of the quartiles (0.25, 0.5, 0.75), so that robust is
	// amortized O(1) between adds: at[k] is the bin of the quartile and
	// below[k] the count of values in the bins before it.
	at    [3]int
	below [3]uint64
}

const histStep = 0.02

func (h *hist) add(v float64) {
	i := int(v / histStep)
	i = max(0, min(i, len(h.bins)-1))
	h.bins[i]++
	h.n++
	for k := range h.at {
		if i < h.at[k] {
			h.below[k]++
		}
	}
}

// tracked returns quantile of the k-th quartile (0.25, 0.5, 0.75), moving the running position to
// the first bin whose cumulative count exceeds the target.
func (h *hist) tracked(k int) float64 {
	if h.n == 0 {
		return 0
	}
	q := [3]float64{0.25, 0.5, 0.75}[k]
	target := uint64(q * float64(h.n))
	i, below := h.at[k], h.below[k]
	for i < len(h.bins)-1 && below+uint64(h.bins[i]) <= target {
		below += uint64(h.bins[i])
		i++
	}
	for i > 0 && below > target {
		i--
		below -= uint64(h.bins[i])
	}
	h.at[k], h.below[k] = i, below
	if below+uint64(h.bins[i]) <= target {
		return float64(len(h.bins)) * histStep
	}
	return (float64(i) + 0.5) * histStep
}

// quantile returns the q-quantile (0..1) of the recorded values.
func (h *hist) quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	target := uint64(q * float64(h.n))
	var acc uint64
	for i, c := range h.bins {
		acc += uint64(c)
		if acc > target {
			return (float64(i) + 0.5) * histStep
		}
	}
	return float64(len(h.bins)) * histStep
}

// robust returns the median and a scale (1.4826·MAD, estimated from the
// interquartile range, at least 0.05 bits).
func (h *hist) robust() (med, scale float64) {
	med = h.tracked(1)
	iqr := h.tracked(2) - h.tracked(0)
	return med, math.Max(iqr/1.349, 0.05)
}

// wilsonLower returns the lower bound of the Wilson score interval for x
// successes in n trials at normal quantile z.
func wilsonLower(x, n, z float64) float64 {
	if n <= 0 {
		return 0
	}
	p := x / n
	z2 := z * z
	den := 1 + z2/n
	c := p + z2/(2*n)
	r := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return math.Max(0, (c-r)/den)
}

// purity is the rarity-aware score of a candidate seen with the outcome in
// x of the n records that contain it, when the outcome's corpus base rate
// is base: a Beta prior of strength s centred on base (the burst prior)
// shrinks the purity of rarely seen candidates toward the base rate, the
// Wilson lower bound penalizes small n, and the base rate is subtracted so
// that outcomes common everywhere (a label shared by half the data) score
// low.
func purity(x, n, base, s, z float64) float64 {
	if n < x {
		n = x
	}
	xp := x + s*base
	np := n + s
	return math.Max(0, wilsonLower(xp, np, z)-base)
}

// entropy8 returns the order-0 byte entropy of b in bits per byte, a cheap
// compressibility estimate.
func entropy8(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var cnt [256]uint16
	var seen [4]uint64 // bytes present, to visit them in byte order
	for _, c := range b {
		cnt[c]++
		seen[c>>6] |= 1 << (c & 63)
	}
	n := float64(len(b))
	e := 0.0
	// Small counts repeat within a window: their terms are computed once
	// (the same operations, so the sum is bit-identical).
	var small [16]float64
	var have uint16
	for w, m := range seen {
		for m != 0 {
			c := cnt[w<<6|bits.TrailingZeros64(m)]
			m &= m - 1
			if c < 16 && have&(1<<c) != 0 {
				e -= small[c]
				continue
			}
			p := float64(c) / n
			t := p * math.Log2(p)
			if c < 16 {
				small[c], have = t, have|1<<c
			}
			e -= t
		}
	}
	return e
}

// entropyMemo computes entropy8 with the terms p·log2(p) memoized by
// length and count: windows have few distinct lengths (64 characters of
// one script take about the same number of bytes) and mostly small
// counts. The terms are computed by the same operations and summed in the
// same order, so the result is entropy8's bit for bit. Memory: 64 KiB,
// allocated on first use. Not safe for concurrent use (one per sketch
// scratch).
type entropyMemo struct {
	have []uint64  // bit n·entMemoCounts+c: term of count c at length n known
	term []float64 // at n·entMemoCounts+c
}

// Memoized terms: lengths below entMemoLen, counts below entMemoCounts.
const (
	entMemoLen    = 512
	entMemoCounts = 16
)

// entropy returns entropy8(b).
func (m *entropyMemo) entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	if len(b) >= 1<<16 {
		return entropy8(b) // counts would overflow their 16-bit lanes
	}
	if m.term == nil {
		m.have = make([]uint64, entMemoLen*entMemoCounts/64)
		m.term = make([]float64, entMemoLen*entMemoCounts)
	}
	// Counts in 16-bit lanes, four byte values per word, and a mask of the
	// words in use: the byte values present are visited in order (as
	// entropy8 does) without looking at the others.
	var cnt [64]uint64
	var used uint64
	for _, c := range b {
		cnt[c>>2] += 1 << (16 * (c & 3))
		used |= 1 << (c >> 2)
	}
	n := float64(len(b))
	base := -1 // memo offset of this length
	if len(b) < entMemoLen {
		base = len(b) * entMemoCounts
	}
	e := 0.0
	for ; used != 0; used &= used - 1 {
		v := cnt[bits.TrailingZeros64(used)]
		// Bit 15 of each lane whose count is not zero (no carry crosses
		// lanes: a lane's low 15 bits plus 0x7FFF stay below 2^16).
		const low15, top = 0x7FFF_7FFF_7FFF_7FFF, 0x8000_8000_8000_8000
		for nz := ((v & low15) + low15 | v) & top; nz != 0; nz &= nz - 1 {
			c := int(uint16(v >> (bits.TrailingZeros64(nz) &^ 15)))
			k := base + c
			memo := base >= 0 && c < entMemoCounts
			if memo && m.have[k>>6]&(1<<(k&63)) != 0 {
				e -= m.term[k]
				continue
			}
			p := float64(c) / n
			t := p * math.Log2(p)
			if memo {
				m.term[k] = t
				m.have[k>>6] |= 1 << (k & 63)
			}
			e -= t
		}
	}
	return e
}

// simhash64 is the 64-bit SimHash of a set of feature hashes: bit k is set
// when more than half of the features have it. Bits are counted eight
// lanes at a time: spread[v] holds the eight bits of byte v as eight
// one-byte counters, so each feature costs eight additions.
func simhash64(feats []uint64) uint64 {
	var cnt [64]int
	total := len(feats)
	for len(feats) > 0 {
		n := min(len(feats), 255) // byte lanes must not overflow
		var acc [8]uint64
		for _, f := range feats[:n] {
			for j := 0; j < 8; j++ {
				acc[j] += spread[byte(f>>(8*j))]
			}
		}
		for j := 0; j < 8; j++ {
			for k := 0; k < 8; k++ {
				cnt[8*j+k] += int(acc[j] >> (8 * k) & 0xFF)
			}
		}
		feats = feats[n:]
	}
	var out uint64
	for k, c := range cnt {
		if 2*c > total {
			out |= 1 << k
		}
	}
	return out
}

var spread = func() (t [256]uint64) {
	for v := 0; v < 256; v++ {
		for k := 0; k < 8; k++ {
			if v>>k&1 == 1 {
				t[v] |= 1 << (8 * k)
			}
		}
	}
	return
}()

func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// roleCache memoizes fieldRole by field name: names repeat for every record.
// Safe for concurrent use.
type roleCache struct {
	mu sync.RWMutex
	m  map[string]roleInfo
}

type roleInfo struct {
	role      int
	container string
	index     int
}

func (c *roleCache) get(name []byte) roleInfo {
	c.mu.RLock()
	ri, ok := c.m[string(name)]
	c.mu.RUnlock()
	if ok {
		return ri
	}
	r, cont, idx := fieldRole(name)
	ri = roleInfo{r, cont, idx}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]roleInfo{}
	}
	if len(c.m) < 1<<16 {
		c.m[string(name)] = ri
	}
	c.mu.Unlock()
	return ri
}

// scriptClass buckets a window by its dominant kind of letters so that
// scores are compared among like text: 0 Latin and other alphabets, 1 CJK,
// 2 Cyrillic and Greek, 3 right-to-left, 4 Brahmic and other abugidas,
// 5 symbol-dense Latin (code, configuration, markup), 6 no letters.
const (
	numScriptClasses = 7
	classSymbolic    = 5
	classNone        = 6
)

func scriptClassOf(r rune) int {
	if r < 0x80 {
		if isASCIILetter(r) {
			return 0
		}
		return -1
	}
	return scriptClassOfProps(unidata.Lookup(r))
}

// fieldNames interns field names for verdicts. Not safe for concurrent use.
type fieldNames struct {
	ids   map[string]int32
	names []string
}

func (f *fieldNames) id(name []byte) int32 {
	if id, ok := f.ids[string(name)]; ok {
		return id
	}
	if f.ids == nil {
		f.ids = map[string]int32{}
	}
	id := int32(len(f.names))
	f.names = append(f.names, string(name))
	f.ids[string(name)] = id
	return id
}

func (f *fieldNames) name(id int32) string {
	if id >= 0 && int(id) < len(f.names) {
		return f.names[id]
	}
	return ""
}
