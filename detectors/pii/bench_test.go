package pii

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/winnow-data/winnow/detectors"
	"golang.org/x/sys/unix"
)

// threadCPU returns the CPU time the calling OS thread has used. The
// machine running benchmarks is shared, so besides wall-clock MB/s the
// benchmarks report MB per CPU-second of the benchmark thread ("cpu-MB/s"),
// which other load does not distort.
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn b.N times on a locked thread and reports cpu-MB/s.
func measure(b *testing.B, bytes int, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	b.ResetTimer()
	t0 := threadCPU()
	for i := 0; i < b.N; i++ {
		fn()
	}
	cpu := threadCPU() - t0
	b.StopTimer()
	if cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}

// Paragraph templates for a realistic mixed corpus: English prose (some
// with numbers), Chinese, source code, chat and a few log lines. %d slots
// get deterministic pseudo-random numbers (benchNumber). piiParagraphs carry
// PII and are mixed in at a low rate.
var benchParagraphs = []string{
	"It was late in the afternoon when the train finally pulled into the station. The platform was crowded with travellers, porters and vendors, and the smell of roasted chestnuts drifted over from a stall near the exit. She gathered her bags, stepped down onto the worn stones and looked around for the friend who had promised to meet her. Nobody waved. After a while she decided to walk into town on her own, following the signs towards the old market square.\n",
	"Machine learning models are only as good as the data they are trained on. Duplicated documents, leaked credentials and personal information all find their way into web-scale corpora, and cleaning them requires tools that are both fast and careful. A good pipeline reports what it removed and why, so that researchers can audit the result and reproduce it later.\n",
	"The river had flooded twice that spring, and the villagers had learned to keep their boats tied close to the houses. When the water finally went down, it left behind a layer of dark silt that the farmers said would make the fields richer than they had been in years. Children ran along the muddy banks looking for fish trapped in the shallow pools.\n",
	"To configure the service, copy the example file to config.yaml and edit the values for your environment. The server reads the file at startup and again whenever it receives a reload signal, so you rarely need to restart it. Invalid settings are reported with the line where they appear, and the previous configuration stays active until the problem is fixed.\n",
	"The committee met on %d March and reviewed %d proposals. Of these, %d were approved for funding, totalling $%d,%03d. The remaining projects were asked to resubmit by the end of the quarter, with revised budgets and timelines. Attendance was %d%%, the highest since %d.\n",
	"In the experiment, %d participants (mean age %d.%d years) completed %d trials each. Reaction times averaged %d ms (SD %d), and accuracy was %d.%d%%. Results were consistent with earlier work (Smith et al., %d; see doi 10.%d/%d).\n",
	"那天下午，火车终于缓缓驶进了车站。站台上挤满了旅客和小贩，空气中弥漫着烤栗子的香味。她提着行李走下车厢，四处张望，却没有看到约好来接她的朋友。过了一会儿，她决定自己步行进城，沿着指示牌朝老集市的方向走去。\n",
	"近年来，随着人工智能技术的快速发展，越来越多的企业开始关注数据质量问题。训练数据中的重复内容、个人隐私信息和恶意注入的文本都会影响模型的表现，因此数据清洗成为了模型开发中不可或缺的一环。\n",
	"会议于%d年%d月%d日在北京召开，共有%d名代表参加。会议审议通过了%d项议案，预算总额为%d万元，比去年增长%d.%d%%。\n",
	"type Config struct {\n\tName    string `json:\"name\"`\n\tWorkers int    `json:\"workers\"`\n\tVerbose bool   `json:\"verbose\"`\n}\n\nfunc (c *Config) Validate() error {\n\tif c.Name == \"\" {\n\t\treturn errors.New(\"config: empty name\")\n\t}\n\treturn nil\n}\n",
	"def train(model, data, epochs=%d, lr=%d.%de-4):\n    for epoch in range(epochs):\n        loss = model.step(data[:%d])\n        if epoch %% %d == 0:\n            print(f\"epoch {epoch}: loss={loss:.4f}\")\n    return model\n",
	"> how do i reset my password?\nyou can go to settings, then security, then click reset. it sends you an email with a link\n> thanks!! that worked\nno problem, let me know if anything else breaks :)\n",
	"[%02d:%02d] alice: did you see the game last night?? %d-%d wow\n[%02d:%02d] bob: yeah crazy, i owe you %d bucks lol\n[%02d:%02d] alice: np, see you at %d:%02d in room %d\n",
	"Version %d.%d.%d of the library drops support for Python 3.%d and adds type hints to %d modules. Upgrade with pip install mylib==%d.%d.%d and run the migration script.\n",
	"%d-%02d-%02dT%02d:%02d:%02d.%03dZ INFO GET /api/v1/items/%d status=200 dur=%dms bytes=%d trace=%x\n",
}

// numericParagraphs are digit-heavy: logs, tables, order notices. They
// make the stress variant of the benchmark.
var numericParagraphs = []string{
	"%d-%02d-%02dT%02d:%02d:%02d.%03dZ INFO GET /api/v1/items/%d status=200 dur=%dms bytes=%d trace=%x\n",
	"| %d | %d | %d.%d | %d | %d-%02d-%02d | %d%% |\n",
	"Shipping update: order %d left the warehouse on %d/%d and should arrive within %d days. Tracking ID %d. Reply STOP to opt out.\n",
	"func process(items []Item) (int, error) {\n\tfor i, it := range items {\n\t\tif it.Count > %d {\n\t\t\treturn 0, fmt.Errorf(\"item %%d exceeds %d\", i)\n\t\t}\n\t}\n\treturn %d, nil // 0x%x\n}\n",
	"研究表明，在%d名受试者中，有%d人表现出明显改善，有效率达到%d%%。该研究历时%d个月，共收集了%d份问卷。\n",
}

var piiParagraphs = []string{
	"For questions email support%d@example.com or call +44 20 7946 0958.\n",
	"客户张三，手机：138%08d，身份证号：11010519491231002X。\n",
	"Card on file 4111 1111 1111 1111; server 8.8.%d.%d; wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.\n",
	"Her SSN is 536-22-8495 and her IBAN DE89 3704 0044 0532 0130 00.\n",
}

// benchNumber draws a number with a realistic length distribution: mostly
// small counts, some years, a few long ids.
func benchNumber(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 55:
		return r.IntN(100)
	case x < 75:
		return r.IntN(1000)
	case x < 92:
		return 1950 + r.IntN(80)
	case x < 98:
		return r.IntN(100000)
	default:
		return r.IntN(1000000000)
	}
}

// benchText builds about size bytes of text from the templates,
// deterministic for seed; one paragraph in piiEvery carries PII (0: none).
func benchText(size int, seed uint64, templates []string, piiEvery int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var sb strings.Builder
	for sb.Len() < size {
		tpl := templates[r.IntN(len(templates))]
		if piiEvery > 0 && r.IntN(piiEvery) == 0 {
			tpl = piiParagraphs[r.IntN(len(piiParagraphs))]
		}
		n := strings.Count(tpl, "%") - 2*strings.Count(tpl, "%%")
		args := make([]any, n)
		for k := range args {
			args[k] = benchNumber(r)
		}
		fmt.Fprintf(&sb, tpl, args...)
	}
	return []byte(sb.String())
}

// benchCorpora are the benchmark inputs: "mixed" is the realistic mix
// (prose, Chinese, code, chat, some logs; about one PII paragraph per 10
// KB), "numeric" the digit-heavy stress case.
func benchCorpora() []struct {
	name string
	text []byte
} {
	return []struct {
		name string
		text []byte
	}{
		{"mixed", benchText(1<<20, 1, benchParagraphs, 40)},
		{"numeric", benchText(1<<20, 2, numericParagraphs, 40)},
	}
}

// BenchmarkAllPII runs every pii detector through a compiled Set (the real
// prefilter and matcher) over 1 MiB of each bench corpus, in 4 KiB values.
func BenchmarkAllPII(b *testing.B) {
	set := detectors.Compile(testRegistry(b, DefaultOptions()), nil)
	for _, c := range benchCorpora() {
		b.Run(c.name, func(b *testing.B) {
			values := splitValues(c.text, 4096)
			var sc detectors.Scratch
			var hits []detectors.Hit
			measure(b, len(c.text), func() {
				for _, v := range values {
					hits = set.Detect(hits[:0], v, &sc)
				}
			})
		})
	}
}

// BenchmarkDetector measures each detector alone on the same text: Detect,
// and for a DigitWindowed detector also DetectDigits given every digit run
// of each value (precomputed, not timed; "digit-pass" times computing
// them, which a Set does once for all such detectors).
func BenchmarkDetector(b *testing.B) {
	text := benchCorpora()[0].text
	values := splitValues(text, 4096)
	runs := make([][]detectors.DigitRun, len(values))
	for i, v := range values {
		runs[i] = detectors.AppendDigitRuns(nil, v)
	}
	b.Run("digit-pass", func(b *testing.B) {
		var rs []detectors.DigitRun
		measure(b, len(text), func() {
			for _, v := range values {
				rs = detectors.AppendDigitRuns(rs[:0], v)
			}
		})
	})
	for _, d := range Detectors(DefaultOptions()) {
		b.Run(d.ID(), func(b *testing.B) {
			var ms []detectors.Match
			measure(b, len(text), func() {
				for _, v := range values {
					ms = d.Detect(ms[:0], v)
				}
			})
		})
		dw, ok := d.(detectors.DigitWindowed)
		if !ok {
			continue
		}
		b.Run(d.ID()+"/runs", func(b *testing.B) {
			var ms []detectors.Match
			measure(b, len(text), func() {
				for i, v := range values {
					ms = dw.DetectDigits(ms[:0], v, runs[i])
				}
			})
		})
	}
}

// splitValues cuts text into values of about n bytes at line ends.
func splitValues(text []byte, n int) [][]byte {
	var out [][]byte
	for len(text) > 0 {
		k := min(n, len(text))
		for k < len(text) && text[k-1] != '\n' {
			k++
		}
		out = append(out, text[:k])
		text = text[k:]
	}
	return out
}
