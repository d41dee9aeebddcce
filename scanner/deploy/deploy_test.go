package deploy

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestRenderInvalid(t *testing.T) {
	ok := Spec{Inputs: []string{"s3://b/in"}, Out: "s3://b/out", Shards: 2, Image: "img"}
	tests := []struct {
		name    string
		target  string
		edit    func(*Spec)
		wantErr string // in the message; "" means valid
	}{
		{"valid k8s", TargetK8s, func(*Spec) {}, ""},
		{"valid slurm without image", TargetSlurm, func(s *Spec) { s.Image = "" }, ""},
		{"no inputs", TargetSlurm, func(s *Spec) { s.Inputs = nil }, "no inputs"},
		{"no output", TargetSlurm, func(s *Spec) { s.Out = "" }, "no output"},
		{"zero shards", TargetSlurm, func(s *Spec) { s.Shards = 0 }, "shards must be at least 1"},
		{"negative partitions", TargetSlurm, func(s *Spec) { s.Partitions = -1 }, "partitions must be at least 1"},
		{"negative parallelism", TargetArgo, func(s *Spec) { s.Parallelism = -2 }, "parallelism"},
		{"negative cpus", TargetK8s, func(s *Spec) { s.CPUs = -1 }, "cpus"},
		{"negative wait", TargetK8s, func(s *Spec) { s.Wait = -time.Second }, "wait"},
		{"bad name", TargetK8s, func(s *Spec) { s.Name = "Winnow_1" }, "DNS label"},
		{"long name", TargetSlurm, func(s *Spec) { s.Name = strings.Repeat("a", 60) }, "DNS label"},
		{"bad memory", TargetSlurm, func(s *Spec) { s.Memory = "4 GB" }, "memory"},
		{"zero memory", TargetK8s, func(s *Spec) { s.Memory = "0Gi" }, "out of range"},
		{"bad env", TargetSlurm, func(s *Spec) { s.Env = []string{"NOVALUE"} }, "env entry 1 is not NAME=VALUE"},
		{"env value not shown", TargetK8s, func(s *Spec) { s.Env = []string{"OK=1", "TOKEN=secret\x01value"} }, `env "TOKEN" contains a control`},
		{"bad env name", TargetK8s, func(s *Spec) { s.Env = []string{"1X=y"} }, "NAME=VALUE"},
		{"plan sets out", TargetSlurm, func(s *Spec) { s.PlanArgs = []string{"--out=x"} }, `"--out" is set by the spec`},
		{"plan sets -o", TargetSlurm, func(s *Spec) { s.PlanArgs = []string{"-ox"} }, `"-o" is set by the spec`},
		{"plan sets shards", TargetArgo, func(s *Spec) { s.PlanArgs = []string{"--shards", "3"} }, "--shards"},
		{"k8s needs image", TargetK8s, func(s *Spec) { s.Image = "" }, "container image"},
		{"argo needs image", TargetArgo, func(s *Spec) { s.Image = "" }, "container image"},
		{"bad namespace", TargetK8s, func(s *Spec) { s.Namespace = "Data" }, "namespace"},
		{"bad secret", TargetK8s, func(s *Spec) { s.Secret = "my_secret" }, "secret"},
		{"bad volume", TargetArgo, func(s *Spec) { s.Volume = "Vol" }, "volume"},
		{"relative mount", TargetK8s, func(s *Spec) { s.MountPath = "data" }, "not absolute"},
		{"NUL", TargetSlurm, func(s *Spec) { s.Inputs = []string{"a\x00b"} }, "NUL"},
		{"argo braces", TargetArgo, func(s *Spec) { s.Inputs = []string{"s3://b/{{x}}"} }, "Argo would substitute"},
		{"braces fine for k8s", TargetK8s, func(s *Spec) { s.Inputs = []string{"s3://b/{{x}}"} }, ""},
		{"mem store", TargetSlurm, func(s *Spec) { s.Out = "mem://b/out" }, "mem://"},
		{"path outside volume", TargetK8s, func(s *Spec) { s.Out = "/scratch/out" }, "outside the volume"},
		{"file URL outside volume", TargetArgo, func(s *Spec) { s.Out = "file:///scratch/out" }, "outside the volume"},
		{"path inside custom mount", TargetK8s, func(s *Spec) { s.Out = "/scratch/out"; s.MountPath = "/scratch" }, ""},
		{"any path for slurm", TargetSlurm, func(s *Spec) { s.Out = "/scratch/out" }, ""},
		{"several problems at once", TargetK8s, func(s *Spec) { s.Out = ""; s.Shards = 0; s.Image = "" }, "no output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			var buf bytes.Buffer
			err := Render(&buf, tt.target, s)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Render succeeded, want an error with %q", tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("error %v does not wrap ErrInvalidSpec", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			if buf.Len() != 0 {
				t.Errorf("Render wrote %d bytes for an invalid spec", buf.Len())
			}
			if strings.Contains(err.Error(), "secret") && strings.Contains(err.Error(), "value") {
				t.Errorf("error %q shows an env value", err)
			}
		})
	}
	t.Run("all problems reported", func(t *testing.T) {
		err := Render(&bytes.Buffer{}, TargetK8s, Spec{})
		for _, want := range []string{"no inputs", "no output", "shards", "container image"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v lacks %q", err, want)
			}
		}
	})
	t.Run("unknown target", func(t *testing.T) {
		var buf bytes.Buffer
		err := Render(&buf, "nomad", ok)
		if !errors.Is(err, ErrUnknownTarget) || buf.Len() != 0 {
			t.Errorf("Render(nomad) = %v, %d bytes; want ErrUnknownTarget and nothing written", err, buf.Len())
		}
	})
}

// TestRenderDoesNotModifySpec checks that Render neither changes the
// caller's slices nor depends on them afterwards.
func TestRenderDoesNotModifySpec(t *testing.T) {
	s := goldenSpecs["pvc"]
	in := append([]string(nil), s.Inputs...)
	for _, target := range Targets() {
		var a, b bytes.Buffer
		if err := Render(&a, target, s); err != nil {
			t.Fatal(err)
		}
		if err := Render(&b, target, s); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two renders of one spec differ", target)
		}
	}
	if strings.Join(in, "\x00") != strings.Join(s.Inputs, "\x00") {
		t.Error("Render modified Spec.Inputs")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteError(t *testing.T) {
	err := Render(failWriter{}, TargetSlurm, exampleSpec)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Render to a failing writer = %v", err)
	}
}

func TestShQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"s3://bucket/corpus", "s3://bucket/corpus"},
		{"a=b,c:d@e%f+g", "a=b,c:d@e%f+g"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"s3://b/p?endpoint=http://m:9000&region=x", "'s3://b/p?endpoint=http://m:9000&region=x'"},
		{"~user", "'~user'"},
		{"*.jsonl", "'*.jsonl'"},
		{"é", "'é'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := shQuote(tt.in); got != tt.want {
				t.Errorf("shQuote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	// The shell itself must read every quoted word back unchanged.
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	var words []string
	in := []string{"a b", "it's", "''", `\`, "$(id)", "`id`", "a\nb", "*", "~", "-n", "#c", "!x", "é€", "a\tb", ""}
	for _, w := range in {
		words = append(words, shQuote(w))
	}
	got, err := exec.Command("sh", "-c", "printf '%s\\0' "+strings.Join(words, " ")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if g := strings.Split(strings.TrimSuffix(string(got), "\x00"), "\x00"); strings.Join(g, "|") != strings.Join(in, "|") || len(g) != len(in) {
		t.Errorf("sh read back %q, want %q", g, in)
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in    string
		bytes uint64
		slurm string
	}{
		{"4Gi", 4 << 30, "4G"},
		{"512Mi", 512 << 20, "512M"},
		{"1.5Gi", 3 << 29, "1536M"},
		{"8G", 8e9, "7630M"},
		{"1000", 1000, "1M"},
		{"100k", 1e5, "1M"},
		{"2Ti", 2 << 40, "2048G"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			b, err := parseQuantity(tt.in)
			if err != nil || b != tt.bytes {
				t.Fatalf("parseQuantity(%q) = %d, %v; want %d", tt.in, b, err, tt.bytes)
			}
			if got := slurmMem(b); got != tt.slurm {
				t.Errorf("slurmMem(%d) = %s, want %s", b, got, tt.slurm)
			}
		})
	}
	for _, bad := range []string{"", "Gi", "4 Gi", "-1Gi", "4GB", "1e3", "0", "99999999999Pi"} {
		if _, err := parseQuantity(bad); err == nil {
			t.Errorf("parseQuantity(%q) succeeded", bad)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "24h", 90 * time.Minute: "1h30m", 45 * time.Second: "45s", 2*time.Hour + 3*time.Second: "2h0m3s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %s, want %s", d, got, want)
		}
		if back, err := time.ParseDuration(formatDuration(d)); err != nil || back != d {
			t.Errorf("%s does not parse back to %v", formatDuration(d), d)
		}
	}
}

func TestHeredocDelimiter(t *testing.T) {
	if got := heredocDelimiter("EOF", "a\nEOF\nEOF1\nb"); got != "EOF2" {
		t.Errorf("got %s, want EOF2", got)
	}
	if got := heredocDelimiter("EOF", "xEOF\nEOF x"); got != "EOF" {
		t.Errorf("got %s, want EOF", got)
	}
}
