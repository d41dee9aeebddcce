package secrets

import (
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/winnow-data/winnow/detectors"
)

var (
	benchEnglish = strings.Fields(`the of and to in a is that for it as was with be by on not he this are or his
		from at which but have an they you were her she there been one all we their has would when if so no
		model training data pipeline budget recipe insight review committee quarterly report pathway
		sustainable strategy service deploy request people time year way day thing world life hand part
		child eye woman place work week case point government company number group problem fact`)
	// benchTopical are rarer words, drawn one time in 30, several of them
	// prefilter keywords or near misses.
	benchTopical = strings.Fields(`password reset token secret key access authentication api task ask desk
		skill risk pattern path keyboard monkey author tokenizer compression bearer credentials`)
	benchChinese = []string{"我们", "在", "周二", "开会", "讨论", "了", "季度", "预算", "以及", "可持续", "数据", "战略",
		"的", "路径", "请", "把", "报告", "发到", "共享", "目录", "密码", "令牌", "模型", "训练"}
	benchCode = []string{
		"func (s *Server) handle(w http.ResponseWriter, r *http.Request) {\n\ttoken := r.Header.Get(\"Authorization\")\n\tif token == \"\" {\n\t\treturn\n\t}\n}\n",
		"database:\n  host: db.internal\n  port: 5432\n  user: app\n  password_file: /run/secrets/db\n  pool: 20\n",
		"import torch\nfrom transformers import AutoTokenizer\ntokenizer = AutoTokenizer.from_pretrained(\"bert-base-uncased\")\nmax_tokens = 4096\n",
		"[server]\nport = 8080\nsecret_key_file = \"/etc/app/secret.key\"\nlog_level = \"info\"\n",
		"const config = { apiUrl: process.env.API_URL, apiKey: process.env.API_KEY, retries: 3 };\n",
		"SELECT id, email, created_at FROM users WHERE last_login > now() - interval '7 days';\n",
		"def reset_password(user, new_password):\n    user.set_password(new_password)\n    user.save()\n",
		"<div class=\"login\"><input type=\"password\" name=\"pwd\" placeholder=\"Password\"></div>\n",
	}
	benchChat = []string{
		"user: can you help me rotate my API key? assistant: Sure — open the dashboard, revoke the old key, and create a new one.\n",
		"user: 我的密码忘记了怎么办？ assistant: 请点击“忘记密码”链接并按照邮件中的步骤操作。\n",
		"user: what does max_tokens do? assistant: It caps the number of tokens the model generates.\n",
	}
	benchPlanted = []string{
		"export GITHUB_TOKEN=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\n",
		"aws_access_key_id = AKIA5HGAZYXDOWG7M6RX\n",
		"DB_PASSWORD=Xk9#mP2$vL8qT4\n",
		"Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n",
		testECKey + "\n",
	}
)

// benchCorpus returns size bytes of mixed English prose, Chinese, code and
// config files and chat transcripts; with planted set, about one secret per
// 16 KiB.
func benchCorpus(size int, planted bool) []byte {
	rng := rand.New(rand.NewPCG(42, uint64(size)))
	var b strings.Builder
	next := 16 << 10
	for b.Len() < size {
		switch rng.IntN(4) {
		case 0:
			for range 20 + rng.IntN(40) {
				if rng.IntN(30) == 0 {
					b.WriteString(benchTopical[rng.IntN(len(benchTopical))])
				} else {
					b.WriteString(benchEnglish[rng.IntN(len(benchEnglish))])
				}
				b.WriteByte(' ')
			}
			b.WriteString(".\n")
		case 1:
			for range 20 + rng.IntN(40) {
				b.WriteString(benchChinese[rng.IntN(len(benchChinese))])
			}
			b.WriteString("。\n")
		case 2:
			b.WriteString(benchCode[rng.IntN(len(benchCode))])
		case 3:
			b.WriteString(benchChat[rng.IntN(len(benchChat))])
		}
		if planted && b.Len() >= next {
			b.WriteString(benchPlanted[rng.IntN(len(benchPlanted))])
			next += 16 << 10
		}
	}
	return []byte(b.String()[:size])
}

// BenchmarkSecrets measures every secrets detector together through the
// real Set (prefilter + windows), on 4 KiB values (a typical record field)
// and on one 8 MiB value. MB/s is per core: the loop is single-threaded.
func BenchmarkSecrets(b *testing.B) {
	reg, err := detectors.NewRegistry(Detectors(DefaultOptions())...)
	if err != nil {
		b.Fatal(err)
	}
	set := detectors.Compile(reg, nil)
	for _, tc := range []struct {
		name      string
		valueSize int
		total     int
		planted   bool
	}{
		{"values=4KiB/clean", 4 << 10, 8 << 20, false},
		{"values=4KiB/planted", 4 << 10, 8 << 20, true},
		{"value=8MiB/planted", 8 << 20, 8 << 20, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			corpus := benchCorpus(tc.total, tc.planted)
			var values [][]byte
			for off := 0; off < len(corpus); off += tc.valueSize {
				values = append(values, corpus[off:min(len(corpus), off+tc.valueSize)])
			}
			var sc detectors.Scratch
			dst := make([]detectors.Hit, 0, 1024)
			findings := 0
			b.SetBytes(int64(len(corpus)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				findings = 0
				for _, v := range values {
					findings += len(set.Detect(dst[:0], v, &sc))
				}
			}
			reportCPU(b, cpu0, len(corpus))
			b.ReportMetric(float64(findings), "findings/op")
			b.ReportMetric(float64(len(values)), "values/op")
		})
	}
}

// BenchmarkPrefilter is the keyword pass alone over the same text, for
// comparison with BenchmarkSecrets.
func BenchmarkPrefilter(b *testing.B) {
	var kws []string
	for _, d := range Detectors(DefaultOptions()) {
		kws = append(kws, d.(detectors.Prefiltered).Keywords()...)
	}
	x := detectors.NewKeywordIndex(kws)
	text := benchCorpus(8<<20, true)
	buf := make([]detectors.KeywordHit, 0, 4096)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	hits := 0
	cpu0 := cpuTime()
	for b.Loop() {
		hits = 0
		for pos := 0; pos < len(text); {
			var got []detectors.KeywordHit
			got, pos = x.AppendHits(buf[:0], text, pos)
			hits += len(got)
		}
	}
	reportCPU(b, cpu0, len(text))
	b.ReportMetric(float64(hits), "hits/op")
}

// cpuTime returns the process's user+system CPU time. On a shared machine
// wall-clock MB/s depends on other load; MB per CPU-second does not (it
// includes GC work on other threads, which is fair to count).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, bytesPerOp int) {
	if d := cpuTime() - start; d > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkFullScanBaseline is the specification the detectors are tested
// against, run as an implementation: every rule's full regexp over the whole
// value (and the parsers tried at every offset). It shows what the
// prefilter and windows save.
func BenchmarkFullScanBaseline(b *testing.B) {
	ds := Detectors(DefaultOptions())
	text := benchCorpus(256<<10, true)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	findings := 0
	for b.Loop() {
		findings = 0
		for _, d := range ds {
			findings += len(reference(d, text))
		}
	}
	reportCPU(b, cpu0, len(text))
	b.ReportMetric(float64(findings), "findings/op")
}
