package audit

import (
	"math"
	"strconv"
	"strings"
)

// fmtInt writes n with thousands separators: 1234567 → "1,234,567".
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fmtPct returns part/whole as a percentage with one decimal ("71.6%"),
// "0%" for an empty whole, and "<0.1%" for small non-zero shares.
func fmtPct(part, whole int64) string {
	if whole <= 0 || part <= 0 {
		return "0%"
	}
	p := 100 * float64(part) / float64(whole)
	if p < 0.1 {
		return "<0.1%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// fmtRate formats a 0..1 rate as a percentage with up to two decimals.
func fmtRate(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	p := 100 * r
	switch {
	case p == 0:
		return "0%"
	case p < 0.01:
		return "<0.01%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// fmtFloat formats x with the given decimals.
func fmtFloat(x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

// fmtBytes formats a byte count in decimal units ("1.36 MB").
func fmtBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmtInt(n) + " B"
	}
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n)
	i := -1
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	dec := 2
	if v >= 100 {
		dec = 0
	} else if v >= 10 {
		dec = 1
	}
	return strconv.FormatFloat(v, 'f', dec, 64) + " " + units[i]
}

// coord formats an SVG coordinate: at most two decimals, no trailing zeros.
func coord(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	s := strconv.FormatFloat(math.Round(x*100)/100, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// niceTicks returns axis ticks 0, step, 2·step, … covering max with about
// n intervals, where step is 1, 2 or 5 times a power of ten (at least 1,
// since the axes count things).
func niceTicks(max int64, n int) []int64 {
	if max <= 0 {
		return []int64{0, 1}
	}
	raw := float64(max) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := int64(1)
	for _, m := range []float64{1, 2, 5, 10} {
		if s := m * mag; s >= raw {
			if s >= math.MaxInt64 {
				step = math.MaxInt64
			} else {
				step = int64(math.Max(1, math.Round(s)))
			}
			break
		}
	}
	count := int(math.Ceil(float64(max) / float64(step)))
	ticks := make([]int64, 0, count+1)
	for i := 0; i <= count; i++ {
		if float64(i)*float64(step) >= math.MaxInt64 {
			ticks = append(ticks, math.MaxInt64) // saturate instead of overflowing
			break
		}
		ticks = append(ticks, int64(i)*step)
	}
	return ticks
}
