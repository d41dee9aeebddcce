package deploy

import (
	"strconv"
	"strings"
)

// wantArgv is the argument vector (after the binary) that task idx of
// stage must receive for s, written from the stage contract rather than
// from stages(); wait is the --wait value of the stages after plan, or "".
func wantArgv(s Spec, stage string, idx int, wait string) []string {
	r := s.Partitions
	if r == 0 {
		r = DefaultPartitions
	}
	switch stage {
	case "plan":
		flags := []string{"--out", s.Out, "--shards", strconv.Itoa(s.Shards), "--partitions", strconv.Itoa(r)}
		flags = append(flags, s.PlanArgs...)
		for _, in := range s.Inputs {
			if strings.HasPrefix(in, "-") {
				return append(append([]string{"plan"}, append(flags, "--")...), s.Inputs...)
			}
		}
		return append(append([]string{"plan"}, s.Inputs...), flags...)
	}
	argv := []string{stage, "--out", s.Out}
	switch stage {
	case "map", "finalize":
		argv = append(argv, "--shard", strconv.Itoa(idx)+"/"+strconv.Itoa(s.Shards))
	case "reduce":
		argv = append(argv, "--shard", strconv.Itoa(idx)+"/"+strconv.Itoa(r))
	}
	if wait != "" {
		argv = append(argv, "--wait", wait)
	}
	return argv
}

// stageTasks is the number of tasks of each stage for s, in order.
func stageTasks(s Spec) []struct {
	name  string
	tasks int
} {
	r := s.Partitions
	if r == 0 {
		r = DefaultPartitions
	}
	return []struct {
		name  string
		tasks int
	}{{"plan", 1}, {"map", s.Shards}, {"reduce", r}, {"resolve", 1}, {"finalize", s.Shards}, {"commit", 1}}
}

// expandK8s applies Kubernetes' expansion of container command, args and
// env values: "$$" is one "$", "$(NAME)" is NAME's value when NAME is
// defined, and anything else is kept.
func expandK8s(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// shWords splits s as a POSIX shell would split the words that shQuote
// produces (bare words, '...' and the \' between them); ok is false on
// anything else: an unquoted character the shell treats specially, or an
// unterminated quote.
func shWords(s string) (words []string, ok bool) {
	var cur strings.Builder
	in := false // inside a word
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += 1 + end
			in = true
		case c == '\\':
			if i+1 == len(s) || s[i+1] == '\n' {
				return nil, false
			}
			cur.WriteByte(s[i+1])
			i++
			in = true
		case shSafe(rune(c)):
			cur.WriteByte(c)
			in = true
		default:
			return nil, false
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, true
}
