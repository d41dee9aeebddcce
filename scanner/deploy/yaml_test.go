package deploy

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// docs decodes every YAML document of b.
func docs(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("YAML does not parse: %v", err)
		}
		out = append(out, m)
	}
}

// get walks m along keys (string keys for maps, int for lists).
func get(t *testing.T, m any, keys ...any) any {
	t.Helper()
	cur := m
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			mm, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not a map", k, cur)
			}
			cur = mm[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at [%d]: %T is not a list that long", k, cur)
			}
			cur = l[k]
		}
	}
	return cur
}

func strs(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%T is not a list", v)
	}
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			t.Fatalf("element %d (%v) is a %T, not a string", i, e, e)
		}
		out[i] = s
	}
	return out
}

// containerEnv returns the literal env values of a container after
// Kubernetes' expansion, and the names taken from Secrets.
func containerEnv(t *testing.T, c any) (values map[string]string, fromSecret []string) {
	t.Helper()
	values = map[string]string{}
	envs, _ := get(t, c, "env").([]any)
	for _, e := range envs {
		name := get(t, e, "name").(string)
		if vf := get(t, e, "valueFrom"); vf != nil {
			fromSecret = append(fromSecret, name+"<-"+get(t, vf, "secretKeyRef", "name").(string)+"/"+get(t, vf, "secretKeyRef", "key").(string))
			continue
		}
		v, _ := get(t, e, "value").(string)
		if name == "GOOGLE_APPLICATION_CREDENTIALS" && v == gcpKeyFile {
			continue // set for gs:// (TestK8sStorage), not from Spec.Env
		}
		values[name] = expandK8s(v, values)
	}
	return values, fromSecret
}

func wantEnv(s Spec) map[string]string {
	m := map[string]string{}
	if s.CPUs > 0 {
		m["GOMAXPROCS"] = strconv.Itoa(s.CPUs)
	}
	for _, e := range s.Env {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return m
}

// TestK8sParses decodes each rendered Job and checks what the pods would
// run after Kubernetes expands $(VAR) in the arguments.
func TestK8sParses(t *testing.T) {
	for name, s := range goldenSpecs {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, TargetK8s, s); err != nil {
				t.Fatal(err)
			}
			jobs := docs(t, buf.Bytes())
			want := stageTasks(s)
			if len(jobs) != len(want) {
				t.Fatalf("%d documents, want %d", len(jobs), len(want))
			}
			prefix := s.Name
			if prefix == "" {
				prefix = DefaultName
			}
			wait := "24h"
			if s.Wait != 0 {
				wait = formatDuration(s.Wait)
			}
			for i, st := range want {
				j := jobs[i]
				if j["apiVersion"] != "batch/v1" || j["kind"] != "Job" {
					t.Errorf("doc %d: %v %v, want batch/v1 Job", i, j["apiVersion"], j["kind"])
				}
				if got := get(t, j, "metadata", "name"); got != prefix+"-"+st.name {
					t.Errorf("doc %d: name %v, want %s-%s", i, got, prefix, st.name)
				}
				if got := get(t, j, "metadata", "namespace"); s.Namespace != "" && got != s.Namespace {
					t.Errorf("%s: namespace %v", st.name, got)
				}
				if get(t, j, "spec", "completionMode") != "Indexed" || get(t, j, "spec", "completions") != st.tasks {
					t.Errorf("%s: completionMode %v completions %v, want Indexed %d", st.name,
						get(t, j, "spec", "completionMode"), get(t, j, "spec", "completions"), st.tasks)
				}
				par := st.tasks
				if s.Parallelism > 0 && s.Parallelism < par {
					par = s.Parallelism
				}
				if got := get(t, j, "spec", "parallelism"); got != par {
					t.Errorf("%s: parallelism %v, want %d", st.name, got, par)
				}
				pod := get(t, j, "spec", "template", "spec")
				if get(t, pod, "restartPolicy") != "Never" {
					t.Errorf("%s: restartPolicy %v", st.name, get(t, pod, "restartPolicy"))
				}
				c := get(t, pod, "containers", 0)
				if get(t, c, "image") != s.Image {
					t.Errorf("%s: image %v", st.name, get(t, c, "image"))
				}
				winnow := s.Winnow
				if winnow == "" {
					winnow = DefaultWinnow
				}
				if cmd := strs(t, get(t, c, "command")); len(cmd) != 1 || expandK8s(cmd[0], nil) != winnow {
					t.Errorf("%s: command %q, want [%q]", st.name, cmd, winnow)
				}
				w := wait
				if i == 0 {
					w = ""
				}
				for _, idx := range []int{0, st.tasks - 1} {
					env := map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(idx), "HOME": "/root", "Y": "y"}
					args := strs(t, get(t, c, "args"))
					for k := range args {
						args[k] = expandK8s(args[k], env)
					}
					if wa := wantArgv(s, st.name, idx, w); !reflect.DeepEqual(args, wa) {
						t.Errorf("%s task %d runs\n%q\nwant\n%q", st.name, idx, args, wa)
					}
				}
				vals, secrets := containerEnv(t, c)
				if !reflect.DeepEqual(vals, wantEnv(s)) {
					t.Errorf("%s: env %q, want %q", st.name, vals, wantEnv(s))
				}
				secret := s.Secret
				if secret == "" {
					secret = DefaultSecret
				}
				if !reflect.DeepEqual(secrets, []string{"WINNOW_KEY<-" + secret + "/WINNOW_KEY"}) {
					t.Errorf("%s: env from secrets %q", st.name, secrets)
				}
			}
		})
	}
}

// TestK8sStorage checks the credentials and volumes chosen per scheme.
func TestK8sStorage(t *testing.T) {
	tests := []struct {
		name       string
		inputs     []string
		out        string
		envFrom    bool   // the Secret as environment (s3, azblob)
		gcpKey     bool   // key.json mounted, GOOGLE_APPLICATION_CREDENTIALS set
		claim      string // PVC mounted at /data
		workingDir string
	}{
		{name: "s3", inputs: []string{"s3://b/in"}, out: "s3://b/out", envFrom: true},
		{name: "azblob", inputs: []string{"azblob://c/in"}, out: "azblob://c/out", envFrom: true},
		{name: "gs", inputs: []string{"gs://b/in"}, out: "gs://b/out", gcpKey: true},
		{name: "local", inputs: []string{"in", "/data/x"}, out: "file:///data/out", claim: DefaultVolume, workingDir: "/data"},
		{name: "mixed", inputs: []string{"gs://b/in"}, out: "/data/out", gcpKey: true, claim: DefaultVolume, workingDir: "/data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := Spec{Inputs: tt.inputs, Out: tt.out, Shards: 2, Image: "img"}
			if err := Render(&buf, TargetK8s, s); err != nil {
				t.Fatal(err)
			}
			for _, j := range docs(t, buf.Bytes()) {
				pod := get(t, j, "spec", "template", "spec")
				c := get(t, pod, "containers", 0)
				if got := get(t, c, "envFrom") != nil; got != tt.envFrom {
					t.Errorf("envFrom present %v, want %v", got, tt.envFrom)
				}
				gcp := false
				for _, e := range get(t, c, "env").([]any) {
					if get(t, e, "name") == "GOOGLE_APPLICATION_CREDENTIALS" {
						gcp = get(t, e, "value") == gcpKeyFile
					}
				}
				if gcp != tt.gcpKey {
					t.Errorf("GOOGLE_APPLICATION_CREDENTIALS set to the key file: %v, want %v", gcp, tt.gcpKey)
				}
				vols := map[string]string{}
				if l, ok := get(t, pod, "volumes").([]any); ok {
					for _, v := range l {
						if c := get(t, v, "persistentVolumeClaim"); c != nil {
							vols["claim"] = get(t, c, "claimName").(string)
						}
						if sec := get(t, v, "secret"); sec != nil {
							vols["secret"] = get(t, sec, "secretName").(string)
						}
					}
				}
				if vols["claim"] != tt.claim {
					t.Errorf("claim %q, want %q", vols["claim"], tt.claim)
				}
				if (vols["secret"] == DefaultSecret) != tt.gcpKey {
					t.Errorf("secret volume %q", vols["secret"])
				}
				wd, _ := get(t, c, "workingDir").(string)
				if wd != tt.workingDir {
					t.Errorf("workingDir %q, want %q", wd, tt.workingDir)
				}
			}
		})
	}
}

// TestArgoParses decodes the Workflow and checks the DAG's order, its
// fan-outs and what each task runs once Argo has substituted {{item}}.
func TestArgoParses(t *testing.T) {
	for name, s := range goldenSpecs {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, TargetArgo, s); err != nil {
				t.Fatal(err)
			}
			d := docs(t, buf.Bytes())
			if len(d) != 1 {
				t.Fatalf("%d documents, want 1 Workflow", len(d))
			}
			wf := d[0]
			if wf["apiVersion"] != "argoproj.io/v1alpha1" || wf["kind"] != "Workflow" {
				t.Fatalf("%v %v, want an Argo Workflow", wf["apiVersion"], wf["kind"])
			}
			entry := get(t, wf, "spec", "entrypoint").(string)
			templates := map[string]any{}
			for _, tp := range get(t, wf, "spec", "templates").([]any) {
				templates[get(t, tp, "name").(string)] = tp
			}
			tasks := get(t, templates[entry], "dag", "tasks").([]any)
			want := stageTasks(s)
			if len(tasks) != len(want) {
				t.Fatalf("%d DAG tasks, want %d", len(tasks), len(want))
			}
			prev := ""
			for i, st := range want {
				task := tasks[i]
				if get(t, task, "name") != st.name {
					t.Errorf("task %d is %v, want %s", i, get(t, task, "name"), st.name)
				}
				var deps []string
				if d := get(t, task, "dependencies"); d != nil {
					deps = strs(t, d)
				}
				if (prev == "" && deps != nil) || (prev != "" && !reflect.DeepEqual(deps, []string{prev})) {
					t.Errorf("%s depends on %q, want [%s]", st.name, deps, prev)
				}
				prev = st.name
				tp := templates[get(t, task, "template").(string)]
				c := get(t, tp, "container")
				seq := get(t, task, "withSequence")
				fanOut := st.name == "map" || st.name == "reduce" || st.name == "finalize"
				if (seq != nil) != fanOut {
					t.Fatalf("%s: withSequence %v", st.name, seq)
				}
				items := []int{0}
				if fanOut {
					if got := get(t, seq, "count"); got != strconv.Itoa(st.tasks) {
						t.Errorf("%s: withSequence count %v, want %d", st.name, got, st.tasks)
					}
					items = []int{0, st.tasks - 1}
				}
				for _, item := range items {
					params := map[string]string{}
					if a := get(t, task, "arguments"); a != nil {
						for _, p := range get(t, a, "parameters").([]any) {
							v := strings.ReplaceAll(get(t, p, "value").(string), "{{item}}", strconv.Itoa(item))
							params["{{inputs.parameters."+get(t, p, "name").(string)+"}}"] = v
						}
					}
					args := strs(t, get(t, c, "args"))
					for k, a := range args {
						for ph, v := range params {
							a = strings.ReplaceAll(a, ph, v)
						}
						if strings.Contains(a, "{{") {
							t.Errorf("%s: argument %q keeps an unresolved Argo placeholder", st.name, a)
						}
						args[k] = expandK8s(a, map[string]string{"HOME": "/root"})
					}
					if wa := wantArgv(s, st.name, item, ""); !reflect.DeepEqual(args, wa) {
						t.Errorf("%s item %d runs\n%q\nwant\n%q", st.name, item, args, wa)
					}
				}
				if vals, _ := containerEnv(t, c); !reflect.DeepEqual(vals, wantEnv(s)) {
					t.Errorf("%s: env %q, want %q", st.name, vals, wantEnv(s))
				}
			}
		})
	}
}
