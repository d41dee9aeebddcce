package pii

import (
	"regexp"
	"sync"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/winnow-data/winnow/detectors"
)

// Phone detects telephone numbers validated against real numbering plans
// (libphonenumber metadata, via github.com/nyaruka/phonenumbers):
//   - international numbers, "+" and a country calling code, for every
//     country ("+44 20 7946 0958", "+1 (415) 555-2671");
//   - national numbers of the regions in Options.PhoneRegions: NANP
//     numbers grouped 3-3-4 ("(415) 555-2671", "415.555.2671"), other
//     regions with their trunk prefix ("020 7946 0958"). A national number
//     written as one unbroken run of digits is reported only after a term
//     such as "phone" or "tel".
//
// Only windows of 7-15 digits joined by phone punctuation reach the
// validator. Dates, times, prices, percentages, decimal numbers, IP-like
// and SSN-like groupings are rejected before it. Mainland China mobile
// numbers are left to pii.cn_mobile.
//
// Validation replicates libphonenumber's IsValidNumber on its metadata
// with patterns compiled once per calling code, so it does not allocate;
// the tests check it against the library itself.
//
// Phone is immutable and safe for concurrent use.
type Phone struct {
	c *config
	p *phonePlan
}

var _ detectors.Detector = (*Phone)(nil)
var _ detectors.Exampler = (*Phone)(nil)
var _ detectors.DigitWindowed = (*Phone)(nil)

// ID returns "pii.phone".
func (*Phone) ID() string { return KindPhone }

// Version returns the detector's output version.
func (*Phone) Version() string { return version }

// Kinds returns the single kind pii.phone. The slice is fresh.
func (*Phone) Kinds() []detectors.Kind {
	return []detectors.Kind{{Name: KindPhone, Description: "telephone number (valid in its numbering plan)", Severity: detectors.SeverityMedium}}
}

var phoneScan = newDigitScan(cGapPhone, 3, 2, phoneMinDigits, phoneMinDigits) // gaps, max gap, min run, min digits, min bytes

const (
	phoneMinDigits  = 7
	phoneMaxDigits  = 15
	nanpCallingCode = 1
)

var phoneCtx = newCtx(
	[]string{"phone", "telephone", "tel", "mobile", "cell", "call", "fax", "whatsapp", "contact", "ph", "mob", "电话", "手机", "联系", "致电"},
	negCommonList,
)

var digitBufPool = sync.Pool{New: func() any { return new([maxWinDigits]byte) }}

// phonePlan is libphonenumber's metadata compiled for allocation-free
// validation. It is built once per Detectors call; each calling code's
// patterns are compiled on first use (guarded by a sync.Once), and only
// read afterwards.
type phonePlan struct {
	cc       [1000]*ccPlan
	national []regionPlan
}

// ccPlan holds the regions of one calling code, main region first.
type ccPlan struct {
	cc      int
	lengths uint32 // union of the regions' possible NSN lengths (bit n: length n)
	metas   []*phonenumbers.PhoneMetadata
	once    sync.Once
	regions []*regionRules
}

// regionRules is one region's compiled metadata.
type regionRules struct {
	id        string
	leading   *regexp.Regexp // nil when the region has no leading-digits rule
	general   numberDesc
	types     []numberDesc
	npfp      *regexp.Regexp // national prefix for parsing, anchored at start
	transform bool           // the prefix needs a transform rule (not supported: never stripped)
}

// numberDesc is one PhoneNumberDesc: possible lengths and full pattern.
type numberDesc struct {
	lengths uint32 // 0: any length the general description allows
	re      *regexp.Regexp
}

// regionPlan is a region whose national format pii.phone recognises.
type regionPlan struct {
	region string
	cc     int
	prefix string // national (trunk) prefix as written, e.g. "0"; "" if none
}

func newPhonePlan(regions []string) *phonePlan {
	p := &phonePlan{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return p
	}
	byRegion := map[string]*phonenumbers.PhoneMetadata{}
	for _, m := range coll.GetMetadata() {
		cc := int(m.GetCountryCode())
		if cc <= 0 || cc >= len(p.cc) {
			continue
		}
		byRegion[m.GetId()] = m
		if p.cc[cc] == nil {
			p.cc[cc] = &ccPlan{cc: cc}
		}
		for _, l := range m.GetGeneralDesc().GetPossibleLength() {
			if l > 0 && l < 32 {
				p.cc[cc].lengths |= 1 << l
			}
		}
	}
	// Region order matters when several regions share a calling code.
	for cc, cp := range p.cc {
		if cp == nil {
			continue
		}
		for _, id := range phonenumbers.GetRegionCodesForCountryCode(cc) {
			if m := byRegion[id]; m != nil && int(m.GetCountryCode()) == cc {
				cp.metas = append(cp.metas, m)
			}
		}
		if len(cp.metas) == 0 { // non-geographic entity ("001")
			for _, m := range coll.GetMetadata() {
				if int(m.GetCountryCode()) == cc {
					cp.metas = append(cp.metas, m)
				}
			}
		}
	}
	for _, r := range regions {
		if m := byRegion[r]; m != nil {
			p.national = append(p.national, regionPlan{region: r, cc: int(m.GetCountryCode()), prefix: m.GetNationalPrefix()})
		}
	}
	return p
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) numberDesc {
	var nd numberDesc
	if d == nil || d.GetNationalNumberPattern() == "" {
		return nd
	}
	re, err := regexp.Compile("^(?:" + d.GetNationalNumberPattern() + ")$")
	if err != nil {
		return nd
	}
	nd.re = re
	for _, l := range d.GetPossibleLength() {
		if l > 0 && l < 32 {
			nd.lengths |= 1 << l
		}
	}
	if len(d.GetPossibleLength()) > 0 && nd.lengths == 0 {
		nd.re = nil // length -1: no numbers of this type
	}
	return nd
}

// rules compiles the calling code's regions on first use.
func (cp *ccPlan) rules() []*regionRules {
	cp.once.Do(func() {
		for _, m := range cp.metas {
			r := &regionRules{id: m.GetId(), general: compileDesc(m.GetGeneralDesc())}
			if ld := m.GetLeadingDigits(); ld != "" {
				r.leading, _ = regexp.Compile("^(?:" + ld + ")")
			}
			for _, d := range []*phonenumbers.PhoneNumberDesc{
				m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
				m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail(),
				m.GetFixedLine(), m.GetMobile(),
			} {
				if nd := compileDesc(d); nd.re != nil {
					r.types = append(r.types, nd)
				}
			}
			if np := m.GetNationalPrefixForParsing(); np != "" {
				r.npfp, _ = regexp.Compile("^(?:" + np + ")")
				r.transform = m.GetNationalPrefixTransformRule() != ""
			} else if np := m.GetNationalPrefix(); np != "" {
				r.npfp, _ = regexp.Compile("^(?:" + regexp.QuoteMeta(np) + ")")
			}
			cp.regions = append(cp.regions, r)
		}
	})
	return cp.regions
}

func (d *numberDesc) matches(nsn []byte) bool {
	if d.re == nil || (d.lengths != 0 && (len(nsn) >= 32 || d.lengths&(1<<len(nsn)) == 0)) {
		return false
	}
	return d.re.Match(nsn)
}

// valid reports whether nsn is a valid number of region r: it fits the
// general description and at least one number type, as libphonenumber's
// IsValidNumberForRegion decides.
func (r *regionRules) valid(nsn []byte) bool {
	if !r.general.matches(nsn) {
		return false
	}
	for i := range r.types {
		if r.types[i].matches(nsn) {
			return true
		}
	}
	return false
}

// stripNationalPrefix removes the region's national prefix from a number
// as libphonenumber's parser does (prefixes that need a transform rule are
// left alone).
func (r *regionRules) stripNationalPrefix(nsn []byte) []byte {
	if r.npfp == nil || r.transform || len(nsn) == 0 {
		return nsn
	}
	loc := r.npfp.FindIndex(nsn)
	if loc == nil || loc[1] == 0 {
		return nsn
	}
	rest := nsn[loc[1]:]
	if r.general.re != nil && r.general.re.Match(nsn) && !r.general.re.Match(rest) {
		return nsn
	}
	if r.general.lengths != 0 && (len(rest) >= 32 || r.general.lengths&(1<<len(rest)) == 0) {
		return nsn
	}
	return rest
}

// validIntl reports whether national is a valid national number after
// calling code cp, as IsValidNumber decides for "+cc national".
func (cp *ccPlan) validIntl(national []byte) bool {
	rs := cp.rules()
	if len(rs) == 0 {
		return false
	}
	nsn := rs[0].stripNationalPrefix(national)
	if len(rs) == 1 {
		return rs[0].valid(nsn)
	}
	for _, r := range rs {
		if r.leading != nil {
			if r.leading.Match(nsn) {
				return r.valid(nsn)
			}
			continue
		}
		if r.valid(nsn) {
			return true
		}
	}
	return false
}

// validFor reports whether national (with its national prefix) is a valid
// number of region id.
func (cp *ccPlan) validFor(id string, national []byte) bool {
	for _, r := range cp.rules() {
		if r.id == id {
			return r.valid(r.stripNationalPrefix(national))
		}
	}
	return false
}

// Detect appends every valid telephone number in text to dst.
func (d *Phone) Detect(dst []detectors.Match, text []byte) []detectors.Match {
	var w digitWindow
	it := phoneScan.iter(text)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

// DigitChain returns the digit chains that can hold telephone numbers (see
// detectors.DigitWindowed).
func (*Phone) DigitChain() detectors.DigitChain { return phoneScan.chain() }

// DetectDigits is Detect over the windows formed by the digit runs found by
// the Set's shared digit pass (see detectors.DigitWindowed).
func (d *Phone) DetectDigits(dst []detectors.Match, text []byte, runs []detectors.DigitRun) []detectors.Match {
	var w digitWindow
	it := phoneScan.runIter(text, runs)
	for {
		s, e, ok := it.next()
		if !ok {
			return dst
		}
		dst = d.check(dst, text, s, e, &w)
	}
}

func (d *Phone) check(dst []detectors.Match, text []byte, s, e int, w *digitWindow) []detectors.Match {
	ms, intl, ok := phoneStart(text, s)
	if !ok || !phoneEndOK(text, e) {
		return dst
	}
	w.parse(text, s, e)
	if w.over || w.maxRun < phoneScan.minRun || w.n < phoneMinDigits || w.n > phoneMaxDigits {
		return dst
	}
	if !phoneShapeOK(text, w, intl) {
		return dst
	}
	// The validators hand the digits to package regexp, which keeps its
	// input reachable; a pooled buffer keeps w on the caller's stack.
	buf := digitBufPool.Get().(*[maxWinDigits]byte)
	defer digitBufPool.Put(buf)
	digits := buf[:copy(buf[:], w.digits(0, w.ng-1))]
	var base float64
	needCtx := false
	if intl {
		if !d.validIntl(digits) {
			return dst
		}
		base = 0.85
	} else {
		needCtx = w.ng == 1 && ms == w.start // one unbroken run of digits
		if !d.validNational(w, digits) {
			return dst
		}
		base = 0.7
	}
	if needCtx && !d.c.positive(text, ms, phoneCtx) {
		return dst
	}
	pos, neg := d.c.context(text, ms, phoneCtx)
	if pos {
		base += ctxBoost
	}
	if neg {
		base -= ctxPenalty
	}
	return d.c.appendMatch(dst, KindPhone, ms, w.end, base)
}

// phoneStart finds where a number whose first digit is at s begins ("+",
// "(+", "(") and whether it is international. ok is false when the number
// is glued to a word, a currency sign or a time.
func phoneStart(text []byte, s int) (ms int, intl, ok bool) {
	ms = s
	if ms > 0 && text[ms-1] == '+' {
		intl = true
		ms--
	}
	if ms > 0 && text[ms-1] == '(' {
		ms--
	}
	if ms == 0 {
		return ms, intl, true
	}
	c := text[ms-1]
	switch {
	case isWordByte(c), c == '$', c == '#', c == '/', c == '.', c == ',', c == '+', c == '-', c == '=', c == '@':
		return 0, false, false
	case c == ':' && ms >= 2 && isWordByte(text[ms-2]) && !is(text[ms-2], cAlpha):
		return 0, false, false // "12:30"
	case c >= utf8.RuneSelf:
		r, _ := utf8.DecodeLastRune(text[:ms])
		switch r {
		case '€', '£', '¥', '￥', '₹', '₩', '₽':
			return 0, false, false
		}
	}
	return ms, intl, true
}

// phoneEndOK rejects numbers followed by a word, a percent sign, a unit of
// a decimal or time, or a date's next part.
func phoneEndOK(text []byte, e int) bool {
	if e >= len(text) {
		return true
	}
	c := text[e]
	if isWordByte(c) || c == '%' {
		return false
	}
	if (c == ',' || c == ':' || c == '/' || c == '.') && digitAfter(text, e+1) {
		return false
	}
	return true
}

// phoneShapeOK rejects groupings that are not telephone layouts.
func phoneShapeOK(text []byte, w *digitWindow, intl bool) bool {
	dots := false
	for k := 1; k < w.ng; k++ {
		gp := w.gap(text, k)
		for _, c := range gp {
			if c == '.' {
				dots = true
			}
		}
	}
	if intl {
		return true
	}
	if dots && !(w.groupsAre(0, 2, 3, 3, 4) || w.groupsAre(0, 3, 1, 3, 3, 4)) {
		return false // decimals, versions, IP addresses
	}
	if sep, same := w.sameGaps(text, 0, w.ng-1); same && w.ng == 3 {
		l0, l1, l2 := w.g[0].len(), w.g[1].len(), w.g[2].len()
		if l0 == 4 && l1 <= 2 && l2 <= 2 || l0 <= 2 && l1 <= 2 && l2 == 4 {
			return false // dates
		}
		if l0 == 3 && l1 == 2 && l2 == 4 && sep == '-' {
			return false // SSN layout
		}
	}
	return !allSame(w.digits(0, w.ng-1))
}

// validIntl checks "+digits": a calling code, then the numbering plan.
func (d *Phone) validIntl(digits []byte) bool {
	if len(digits) == 0 || digits[0] == '0' {
		return false // calling codes never start with 0
	}
	var cp *ccPlan
	l := 1
	for ; l <= 3 && l < len(digits); l++ {
		if cp = d.p.cc[num(digits[:l])]; cp != nil {
			break
		}
	}
	if cp == nil {
		return false
	}
	nsn := digits[l:]
	if cp.cc == 86 && len(nsn) == 11 && nsn[0] == '1' && nsn[1] >= '3' {
		return false // pii.cn_mobile
	}
	if len(nsn) >= 32 || cp.lengths&(1<<len(nsn)) == 0 && cp.lengths&(1<<(len(nsn)-1)) == 0 {
		return false // neither the NSN nor the NSN minus a trunk digit can fit
	}
	return cp.validIntl(nsn)
}

// validNational tries the configured regions in order.
func (d *Phone) validNational(w *digitWindow, digits []byte) bool {
	for i := range d.p.national {
		r := &d.p.national[i]
		cp := d.p.cc[r.cc]
		if r.cc == nanpCallingCode {
			// Any NANP region: Canada's numbers look like the US's.
			if nsn := nanpNSN(w, digits); nsn != nil && cp.validIntl(nsn) {
				return true
			}
			continue
		}
		if r.prefix == "" || len(digits) <= len(r.prefix) || string(digits[:len(r.prefix)]) != r.prefix {
			continue
		}
		if digits[len(r.prefix)] == '0' {
			continue // "00…" is an international prefix
		}
		if cp.validFor(r.region, digits) {
			return true
		}
	}
	return false
}

// nanpNSN returns the 10-digit national number of a NANP layout
// ([1-]NPA-NXX-XXXX, or 10/11 unbroken digits), or nil.
func nanpNSN(w *digitWindow, digits []byte) []byte {
	switch {
	case w.ng == 1 && len(digits) == 10:
	case w.ng == 1 && len(digits) == 11 && digits[0] == '1':
		digits = digits[1:]
	case w.groupsAre(0, 2, 3, 3, 4):
	case w.groupsAre(0, 3, 1, 3, 3, 4) && digits[0] == '1':
		digits = digits[1:]
	default:
		return nil
	}
	if digits[0] < '2' || digits[3] < '2' {
		return nil
	}
	return digits
}

// callingCodes returns libphonenumber's supported calling codes.
func callingCodes() map[int]bool { return phonenumbers.GetSupportedCallingCodes() }
