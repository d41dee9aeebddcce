package deploy

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// exampleSpec is the deploy/ examples' run: s3://bucket/corpus ->
// s3://bucket/cleaned, N=8. The examples are its golden files.
var exampleSpec = Spec{
	Inputs: []string{"s3://bucket/corpus"},
	Out:    "s3://bucket/cleaned",
	Shards: 8,
	Image:  "ghcr.io/winnow-data/winnow:latest",
	CPUs:   2,
	Memory: "4Gi",
}

// goldenSpecs are rendered for every target into testdata/.
var goldenSpecs = map[string]Spec{
	// A shared filesystem, extra plan flags, environment, a cap on
	// parallel tasks and a namespace.
	"pvc": {
		Inputs:      []string{"corpus/web", "/data/corpus/chat"},
		Out:         "/data/cleaned",
		Shards:      3,
		Partitions:  4,
		PlanArgs:    []string{"--dedupe-threshold", "0.8", "--keep", "longest"},
		Name:        "nightly",
		Image:       "registry.example/winnow:v1",
		Winnow:      "/usr/local/bin/winnow",
		Namespace:   "data",
		Env:         []string{"AWS_REGION=eu-west-1", "NOTE=a b"},
		Parallelism: 2,
		Wait:        90 * time.Minute,
		Volume:      "corpora",
	},
	// Arguments every layer must pass through unchanged.
	"quoting": {
		Inputs:   []string{"s3://b/with space/it's \"here\"/$(HOME)/`x`?endpoint=http://minio:9000&use_path_style=true", "-dash.jsonl", "gs://g/p"},
		Out:      "azblob://c/out dir/$HOME/%d",
		Shards:   2,
		PlanArgs: []string{"--fields", "$.text,$.messages[*].content"},
		Image:    "img",
		Winnow:   "/opt/win now/winnow",
		Env:      []string{"X=$(Y) '$Z' \"q\"\nWINNOW_JOB\nWINNOW_PROLOGUE"},
		Memory:   "1.5Gi",
	},
}

func TestGolden(t *testing.T) {
	for name, s := range goldenSpecs {
		for _, target := range Targets() {
			ext := ".yaml"
			if target == TargetSlurm {
				ext = ".sh"
			}
			file := filepath.Join("testdata", target+"-"+name+ext)
			t.Run(target+"/"+name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, target, s); err != nil {
					t.Fatalf("Render: %v", err)
				}
				if *update {
					if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("Render(%s, %s) differs from %s (go test -update rewrites it):\n%s", target, name, file, buf.String())
				}
			})
		}
	}
}

// examples are the files in the repository's deploy/ directory, rendered
// from these specs; go test -update rewrites them.
var examples = []struct {
	file   string
	target string
	spec   Spec
}{
	{"k8s/winnow.yaml", TargetK8s, exampleSpec},
	{"k8s/winnow-pvc.yaml", TargetK8s, Spec{
		Inputs: []string{"/data/corpus"}, Out: "/data/cleaned", Shards: 8,
		Image: exampleSpec.Image, CPUs: 2, Memory: "4Gi",
	}},
	{"argo/winnow.yaml", TargetArgo, exampleSpec},
	{"slurm/submit.sh", TargetSlurm, exampleSpec},
}

func TestExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.file, func(t *testing.T) {
			file := filepath.Join("..", "..", "deploy", filepath.FromSlash(ex.file))
			var buf bytes.Buffer
			if err := Render(&buf, ex.target, ex.spec); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s is not what the renderer gives (go test -update rewrites it)", file)
			}
		})
	}
}
