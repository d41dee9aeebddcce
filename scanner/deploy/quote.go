package deploy

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// shQuote returns s as one word for a POSIX shell: unchanged when it
// consists only of characters no shell treats specially, otherwise in
// single quotes, each embedded single quote closing the quotes, adding an
// escaped quote and reopening them.
func shQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !shSafe(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shSafe reports whether r needs no quoting in any position of a word
// after the command name.
func shSafe(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("_@%+=:,./-", r)
}

// k8sEscape protects s from Kubernetes' $(VAR) expansion in a container's
// command, args and env values, where "$$" stands for one "$".
func k8sEscape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// k8sEscapeAll returns k8sEscape of every element, in a new slice.
func k8sEscapeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = k8sEscape(s)
	}
	return out
}

var quantity = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$`)

// parseQuantity parses a Kubernetes memory quantity ("4Gi", "512Mi",
// "1.5G", "1000000") into bytes, rounded up to a whole byte.
func parseQuantity(q string) (uint64, error) {
	m := quantity.FindStringSubmatch(q)
	if m == nil {
		return 0, fmt.Errorf("%q is not a quantity such as 4Gi, 512Mi or 8G", truncate(q))
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", q, err)
	}
	mult := map[string]float64{
		"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
		"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50,
	}[m[2]]
	b := math.Ceil(n * mult)
	if b < 1 || b > 1<<62 {
		return 0, fmt.Errorf("%q is out of range", q)
	}
	return uint64(b), nil
}

// slurmMem writes bytes for sbatch --mem, whose suffixes are binary and
// whose unit without a suffix is MiB: whole GiB as "NG", else MiB rounded
// up as "NM".
func slurmMem(bytes uint64) string {
	const mib, gib = 1 << 20, 1 << 30
	if bytes%gib == 0 {
		return strconv.FormatUint(bytes/gib, 10) + "G"
	}
	return strconv.FormatUint((bytes+mib-1)/mib, 10) + "M"
}
