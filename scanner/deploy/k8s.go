package deploy

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The Kubernetes and Argo objects below hold only the fields Render
// writes; yaml.v3 keeps the struct field order, so the output reads in the
// order kubectl users expect.

type meta struct {
	Name         string            `yaml:"name,omitempty"`
	GenerateName string            `yaml:"generateName,omitempty"`
	Namespace    string            `yaml:"namespace,omitempty"`
	Labels       map[string]string `yaml:"labels,omitempty"`
}

type job struct {
	APIVersion string  `yaml:"apiVersion"`
	Kind       string  `yaml:"kind"`
	Metadata   meta    `yaml:"metadata"`
	Spec       jobSpec `yaml:"spec"`
}

type jobSpec struct {
	CompletionMode string      `yaml:"completionMode"`
	Completions    int         `yaml:"completions"`
	Parallelism    int         `yaml:"parallelism"`
	BackoffLimit   int         `yaml:"backoffLimit"`
	Template       podTemplate `yaml:"template"`
}

type podTemplate struct {
	Metadata meta    `yaml:"metadata"`
	Spec     podSpec `yaml:"spec"`
}

type podSpec struct {
	RestartPolicy string      `yaml:"restartPolicy"`
	Containers    []container `yaml:"containers"`
	Volumes       []volume    `yaml:"volumes,omitempty"`
}

type container struct {
	Name         string        `yaml:"name,omitempty"`
	Image        string        `yaml:"image"`
	Command      []string      `yaml:"command"`
	Args         []string      `yaml:"args"`
	WorkingDir   string        `yaml:"workingDir,omitempty"`
	Env          []envVar      `yaml:"env,omitempty"`
	EnvFrom      []envFrom     `yaml:"envFrom,omitempty"`
	Resources    *resources    `yaml:"resources,omitempty"`
	VolumeMounts []volumeMount `yaml:"volumeMounts,omitempty"`
}

type envVar struct {
	Name      string     `yaml:"name"`
	Value     string     `yaml:"value,omitempty"`
	ValueFrom *envSource `yaml:"valueFrom,omitempty"`
}

type envSource struct {
	SecretKeyRef *secretKeyRef `yaml:"secretKeyRef"`
}

type secretKeyRef struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional bool   `yaml:"optional"`
}

type envFrom struct {
	SecretRef secretRef `yaml:"secretRef"`
}

type secretRef struct {
	Name     string `yaml:"name"`
	Optional bool   `yaml:"optional"`
}

type resources struct {
	Requests map[string]string `yaml:"requests,omitempty"`
	Limits   map[string]string `yaml:"limits,omitempty"`
}

type volume struct {
	Name                  string        `yaml:"name"`
	PersistentVolumeClaim *claimSource  `yaml:"persistentVolumeClaim,omitempty"`
	Secret                *secretSource `yaml:"secret,omitempty"`
}

type claimSource struct {
	ClaimName string `yaml:"claimName"`
}

type secretSource struct {
	SecretName string `yaml:"secretName"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

type workflow struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   meta         `yaml:"metadata"`
	Spec       workflowSpec `yaml:"spec"`
}

type workflowSpec struct {
	Entrypoint  string     `yaml:"entrypoint"`
	Parallelism int        `yaml:"parallelism,omitempty"`
	PodGC       podGC      `yaml:"podGC"`
	Volumes     []volume   `yaml:"volumes,omitempty"`
	Templates   []template `yaml:"templates"`
}

type podGC struct {
	Strategy string `yaml:"strategy"`
}

type template struct {
	Name          string     `yaml:"name"`
	Inputs        *params    `yaml:"inputs,omitempty"`
	RetryStrategy *retry     `yaml:"retryStrategy,omitempty"`
	DAG           *dag       `yaml:"dag,omitempty"`
	Container     *container `yaml:"container,omitempty"`
}

type params struct {
	Parameters []param `yaml:"parameters"`
}

type param struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value,omitempty"`
}

type retry struct {
	Limit int `yaml:"limit"`
}

type dag struct {
	Tasks []dagTask `yaml:"tasks"`
}

type dagTask struct {
	Name         string    `yaml:"name"`
	Template     string    `yaml:"template"`
	Dependencies []string  `yaml:"dependencies,omitempty"`
	WithSequence *sequence `yaml:"withSequence,omitempty"`
	Arguments    *params   `yaml:"arguments,omitempty"`
}

type sequence struct {
	Count string `yaml:"count"`
}

// Where the gs:// service-account key file is mounted.
const (
	gcpKeyDir  = "/var/run/secrets/winnow"
	gcpKeyFile = gcpKeyDir + "/key.json"
)

// podParts are the container and pod settings shared by every stage.
type podParts struct {
	env        []envVar
	envFrom    []envFrom
	resources  *resources
	mounts     []volumeMount
	volumes    []volume
	workingDir string
}

// podParts builds the environment, credentials, resources and volumes for
// r: the Secret as environment for s3:// and azblob://, its key.json as
// GOOGLE_APPLICATION_CREDENTIALS for gs://, WINNOW_KEY from the Secret when
// present, and the claim for filesystem paths. Values are escaped for
// Kubernetes' $(VAR) expansion.
func (r *spec) podParts() podParts {
	var p podParts
	sch := r.schemes()
	if sch["s3"] || sch["azblob"] {
		p.envFrom = []envFrom{{SecretRef: secretRef{Name: r.Secret, Optional: true}}}
	}
	p.env = append(p.env, envVar{Name: "WINNOW_KEY", ValueFrom: &envSource{
		SecretKeyRef: &secretKeyRef{Name: r.Secret, Key: "WINNOW_KEY", Optional: true}}})
	if sch["gs"] {
		p.env = append(p.env, envVar{Name: "GOOGLE_APPLICATION_CREDENTIALS", Value: gcpKeyFile})
		p.volumes = append(p.volumes, volume{Name: "gcp-key", Secret: &secretSource{SecretName: r.Secret}})
		p.mounts = append(p.mounts, volumeMount{Name: "gcp-key", MountPath: gcpKeyDir, ReadOnly: true})
	}
	if sch["local"] {
		p.volumes = append(p.volumes, volume{Name: "data", PersistentVolumeClaim: &claimSource{ClaimName: r.Volume}})
		p.mounts = append(p.mounts, volumeMount{Name: "data", MountPath: r.MountPath})
		p.workingDir = r.MountPath
	}
	if r.CPUs > 0 {
		p.env = append(p.env, envVar{Name: "GOMAXPROCS", Value: strconv.Itoa(r.CPUs)})
	}
	for _, e := range r.Env {
		name, value, _ := strings.Cut(e, "=")
		p.env = append(p.env, envVar{Name: name, Value: k8sEscape(value)})
	}
	if r.CPUs > 0 || r.Memory != "" {
		p.resources = &resources{Requests: map[string]string{}}
		if r.CPUs > 0 {
			p.resources.Requests["cpu"] = strconv.Itoa(r.CPUs)
		}
		if r.Memory != "" {
			p.resources.Requests["memory"] = r.Memory
			p.resources.Limits = map[string]string{"memory": r.Memory}
		}
	}
	return p
}

// container returns the container running args (already escaped).
func (p podParts) container(r *spec, name string, args []string) *container {
	return &container{
		Name:         name,
		Image:        r.Image,
		Command:      []string{k8sEscape(r.Winnow)},
		Args:         args,
		WorkingDir:   p.workingDir,
		Env:          p.env,
		EnvFrom:      p.envFrom,
		Resources:    p.resources,
		VolumeMounts: p.mounts,
	}
}

func (r *spec) labels(stage string) map[string]string {
	l := map[string]string{
		"app.kubernetes.io/name":     "winnow",
		"app.kubernetes.io/instance": r.Name,
	}
	if stage != "" {
		l["app.kubernetes.io/component"] = stage
	}
	return l
}

// renderK8s writes one Indexed Job per stage.
func renderK8s(buf *bytes.Buffer, r *spec) error {
	r.k8sHeader(buf)
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	parts := r.podParts()
	for i, st := range r.stages {
		args := append([]string{st.name}, k8sEscapeAll(st.args)...)
		if st.shard {
			// $(JOB_COMPLETION_INDEX) is expanded by Kubernetes, not escaped.
			args = append(args, "--shard", "$(JOB_COMPLETION_INDEX)/"+strconv.Itoa(st.tasks))
		}
		if i > 0 {
			args = append(args, "--wait", formatDuration(r.Wait))
		}
		par := st.tasks
		if r.Parallelism > 0 && r.Parallelism < par {
			par = r.Parallelism
		}
		j := job{
			APIVersion: "batch/v1",
			Kind:       "Job",
			Metadata:   meta{Name: r.Name + "-" + st.name, Namespace: r.Namespace, Labels: r.labels(st.name)},
			Spec: jobSpec{
				CompletionMode: "Indexed",
				Completions:    st.tasks,
				Parallelism:    par,
				BackoffLimit:   Retries * st.tasks,
				Template: podTemplate{
					Metadata: meta{Labels: r.labels(st.name)},
					Spec: podSpec{
						RestartPolicy: "Never",
						Containers:    []container{*parts.container(r, "winnow", args)},
						Volumes:       parts.volumes,
					},
				},
			},
		}
		comment := fmt.Sprintf("stage %d/%d: %s", i+1, len(r.stages), st.describe(r))
		if err := encodeWithComment(enc, j, comment); err != nil {
			return err
		}
	}
	return enc.Close()
}

// renderArgo writes one Workflow whose DAG runs the stages in order.
func renderArgo(buf *bytes.Buffer, r *spec) error {
	r.argoHeader(buf)
	parts := r.podParts()
	wf := workflow{
		APIVersion: "argoproj.io/v1alpha1",
		Kind:       "Workflow",
		Metadata:   meta{GenerateName: r.Name + "-", Namespace: r.Namespace, Labels: r.labels("")},
		Spec: workflowSpec{
			Entrypoint:  "pipeline",
			Parallelism: r.Parallelism,
			PodGC:       podGC{Strategy: "OnWorkflowSuccess"},
			Volumes:     parts.volumes,
		},
	}
	pipeline := template{Name: "pipeline", DAG: &dag{}}
	var templates []template
	prev := ""
	for _, st := range r.stages {
		task := dagTask{Name: st.name, Template: st.name}
		if prev != "" {
			task.Dependencies = []string{prev}
		}
		args := append([]string{st.name}, k8sEscapeAll(st.args)...)
		t := template{Name: st.name, RetryStrategy: &retry{Limit: Retries}}
		if st.shard {
			task.WithSequence = &sequence{Count: strconv.Itoa(st.tasks)}
			task.Arguments = &params{Parameters: []param{{Name: "shard", Value: "{{item}}/" + strconv.Itoa(st.tasks)}}}
			t.Inputs = &params{Parameters: []param{{Name: "shard"}}}
			args = append(args, "--shard", "{{inputs.parameters.shard}}")
		}
		t.Container = parts.container(r, "", args)
		pipeline.DAG.Tasks = append(pipeline.DAG.Tasks, task)
		templates = append(templates, t)
		prev = st.name
	}
	wf.Spec.Templates = append([]template{pipeline}, templates...)
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	if err := encodeWithComment(enc, wf, ""); err != nil {
		return err
	}
	return enc.Close()
}

// encodeWithComment encodes v as one YAML document headed by comment
// (none when empty).
func encodeWithComment(enc *yaml.Encoder, v any, comment string) error {
	n, err := toNode(reflect.ValueOf(v))
	if err != nil {
		return err
	}
	n.HeadComment = comment
	return enc.Encode(n)
}

// describe says in a few words what st does, for comments.
func (st stage) describe(r *spec) string {
	switch st.name {
	case "plan":
		return "plan: list and assign the inputs to " + strconv.Itoa(r.Shards) + " shards (OUT/_winnow/plan.json)"
	case "map":
		return "map: pass 1 of each shard (findings, dedupe sketches), " + strconv.Itoa(st.tasks) + " tasks"
	case "reduce":
		return "reduce: duplicate edges of each band partition, " + strconv.Itoa(st.tasks) + " tasks"
	case "resolve":
		return "resolve: duplicate clusters and corpus verdicts"
	case "finalize":
		return "finalize: pass 2 of each shard (cleaned data, quarantine, findings), " + strconv.Itoa(st.tasks) + " tasks"
	case "commit":
		return "commit: merge the parts into OUT (report, manifest, croissant.json)"
	}
	return st.name
}

// writeComment writes text as YAML or shell comment lines.
func writeComment(buf *bytes.Buffer, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line == "" {
			buf.WriteString("#\n")
			continue
		}
		buf.WriteString("# " + line + "\n")
	}
}

// summary describes the run for the headers; values are quoted for the
// shell so that they read unambiguously.
func (r *spec) summary() string {
	ins := make([]string, len(r.Inputs))
	for i, in := range r.Inputs {
		ins[i] = display(in)
	}
	return fmt.Sprintf("Inputs: %s\nOutput: %s\nShards (map, finalize): %d   Band partitions (reduce): %d\n",
		strings.Join(ins, " "), display(r.Out), r.Shards, r.Partitions)
}

// display quotes v for a comment line: for the shell, or as a Go string
// literal when v holds a line break or another unprintable character,
// which would end the comment.
func display(v string) string {
	if strings.IndexFunc(v, func(r rune) bool { return !strconv.IsPrint(r) }) >= 0 {
		return strconv.Quote(v)
	}
	return shQuote(v)
}

// nsFlag is " -n NS" when r has a namespace.
func (r *spec) nsFlag() string {
	if r.Namespace == "" {
		return ""
	}
	return " -n " + r.Namespace
}

// credentialsHelp explains the Secret and volume podParts uses.
func (r *spec) credentialsHelp(target string) string {
	var b strings.Builder
	sch := r.schemes()
	ns := r.nsFlag()
	fmt.Fprintf(&b, "The Secret %q holds the object store's credentials and WINNOW_KEY,\n", r.Secret)
	b.WriteString("which keys the value hashes and must stay the same across runs. Every key\n")
	b.WriteString("is optional. Create it once beforehand:\n\n")
	fmt.Fprintf(&b, "  kubectl%s create secret generic %s \\\n", ns, r.Secret)
	if sch["s3"] {
		b.WriteString("    --from-literal=AWS_ACCESS_KEY_ID=... --from-literal=AWS_SECRET_ACCESS_KEY=... \\\n")
	}
	if sch["azblob"] {
		b.WriteString("    --from-literal=AZURE_STORAGE_ACCOUNT=... --from-literal=AZURE_STORAGE_KEY=... \\\n")
	}
	if sch["gs"] {
		b.WriteString("    --from-file=key.json=service-account.json \\\n")
	}
	b.WriteString("    --from-literal=WINNOW_KEY=\"$(openssl rand -hex 32)\"\n")
	if sch["s3"] || sch["azblob"] {
		b.WriteString("\nAll its keys become environment variables. Without them the SDKs' usual\n")
		b.WriteString("chains apply (IRSA, workload identity).\n")
	}
	if sch["gs"] {
		fmt.Fprintf(&b, "\nIts key.json is mounted as GOOGLE_APPLICATION_CREDENTIALS (%s).\n", gcpKeyFile)
	}
	if sch["s3"] {
		b.WriteString("\nFor MinIO or R2, put the endpoint in the URLs:\n")
		b.WriteString("  s3://bucket/prefix?endpoint=http://minio:9000&use_path_style=true&region=us-east-1\n")
	}
	if sch["local"] {
		fmt.Fprintf(&b, "\nFilesystem paths live on the PersistentVolumeClaim %q (ReadWriteMany,\n", r.Volume)
		fmt.Fprintf(&b, "shared by every pod), mounted at %s, which is also the working directory.\n", r.MountPath)
	} else {
		b.WriteString("\nFor a shared filesystem instead of an object store, give filesystem paths\n")
		fmt.Fprintf(&b, "(winnow deploy %s --volume CLAIM -o /data/cleaned /data/corpus): every\n", target)
		b.WriteString("pod then mounts the ReadWriteMany PersistentVolumeClaim CLAIM at /data.\n")
	}
	return b.String()
}

func (r *spec) k8sHeader(buf *bytes.Buffer) {
	ns := r.nsFlag()
	writeComment(buf, fmt.Sprintf(`winnow's staged pipeline as Kubernetes Indexed Jobs, one per stage
(rendered by "winnow deploy k8s").

%s
Apply every Job at once: each stage after plan polls OUT for its
predecessor's completion markers (--wait %s), so the order in which pods
start does not matter.

  kubectl%s apply -f FILE
  kubectl%s wait --for=condition=complete --timeout=%s job/%s-commit

A pod that polls still holds its CPU and memory requests. To rerun after a
failure, delete the Jobs and apply again: finished tasks find their
completion markers and exit at once.

  kubectl%s delete job -l app.kubernetes.io/instance=%s

%s`, r.summary(), formatDuration(r.Wait), ns, ns, formatDuration(r.Wait), r.Name, ns, r.Name, r.credentialsHelp(TargetK8s)))
	buf.WriteString("\n")
}

func (r *spec) argoHeader(buf *bytes.Buffer) {
	ns := r.nsFlag()
	writeComment(buf, fmt.Sprintf(`winnow's staged pipeline as one Argo Workflow (rendered by
"winnow deploy argo"): plan, then map fanned out over the shards, reduce over
the band partitions, resolve, finalize over the shards, and commit.

%s
Submit it (generateName: use create or argo submit, not apply):

  argo%s submit --watch FILE
  kubectl%s create -f FILE

Resubmitting resumes: finished tasks find their completion markers in OUT.

%s`, r.summary(), ns, ns, r.credentialsHelp(TargetArgo)))
	buf.WriteString("\n")
}
