package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Targets accepted by Render.
const (
	// TargetK8s renders one Kubernetes Indexed Job per stage.
	TargetK8s = "k8s"
	// TargetArgo renders one Argo Workflow with a DAG over the stages.
	TargetArgo = "argo"
	// TargetSlurm renders a bash script submitting sbatch job arrays.
	TargetSlurm = "slurm"
)

// Defaults applied by Render to the zero values of a Spec.
const (
	// DefaultPartitions is the number of dedupe band partitions (reduce
	// tasks) when Spec.Partitions is 0; it matches `winnow plan`'s default.
	DefaultPartitions = 16
	// DefaultName prefixes the job, workflow and label names.
	DefaultName = "winnow"
	// DefaultWinnow is the winnow binary run by every task.
	DefaultWinnow = "winnow"
	// DefaultWait is how long a Kubernetes stage polls for its
	// predecessor's completion markers before giving up.
	DefaultWait = 24 * time.Hour
	// DefaultSecret names the Kubernetes Secret holding object-store
	// credentials and WINNOW_KEY.
	DefaultSecret = "winnow-credentials"
	// DefaultVolume names the PersistentVolumeClaim mounted when inputs or
	// output are filesystem paths.
	DefaultVolume = "winnow-data"
	// DefaultMountPath is where that claim is mounted; it is also the
	// working directory, so relative paths resolve inside the volume.
	DefaultMountPath = "/data"
	// Retries is how often Kubernetes and Argo retry a failed task.
	Retries = 3
)

// ErrUnknownTarget is returned by Render for a target other than
// TargetK8s, TargetArgo and TargetSlurm.
var ErrUnknownTarget = errors.New("unknown deploy target")

// ErrInvalidSpec is wrapped by every error Render returns for a Spec that
// cannot be rendered; the message lists every problem found, not only the
// first.
var ErrInvalidSpec = errors.New("invalid deploy spec")

// Spec describes one run of the staged pipeline. Render does not modify
// it or keep references to it; the zero values of the optional fields
// select the Default* constants.
type Spec struct {
	// Inputs are the INPUT arguments of `winnow plan`: files, directories,
	// globs or object-store URLs, passed through as given. Required.
	Inputs []string
	// Out is OUT: the directory or object-store URL that every task
	// reads and writes. Required.
	Out string
	// Shards is N, the number of map and finalize tasks. Required (>= 1).
	Shards int
	// Partitions is R, the number of reduce tasks (dedupe band
	// partitions); 0 means DefaultPartitions. It is always passed to
	// `winnow plan` explicitly, so the reduce fan-out matches the plan.
	Partitions int
	// PlanArgs are extra `winnow clean` flags passed to `winnow plan`
	// (e.g. "--dedupe-threshold", "0.8"); the plan records them for
	// every later stage.
	PlanArgs []string
	// Name prefixes job and workflow names (NAME-map, ...); it must be a
	// DNS label. Empty means DefaultName.
	Name string
	// Image is the container image holding winnow. Required for k8s and
	// argo, unused by slurm.
	Image string
	// Winnow is the winnow executable: in the image for k8s and argo, on
	// the compute nodes for slurm (where the WINNOW environment variable
	// overrides it at submission). Empty means DefaultWinnow.
	Winnow string
	// Namespace is the Kubernetes namespace; empty leaves it to kubectl.
	Namespace string
	// CPUs per task: a Kubernetes CPU request and GOMAXPROCS, or sbatch
	// --cpus-per-task. 0 leaves it to the scheduler's default.
	CPUs int
	// Memory per task as a Kubernetes quantity ("4Gi", "512Mi", "8G"): a
	// request and limit on Kubernetes, sbatch --mem on Slurm. Empty leaves
	// it to the scheduler's default.
	Memory string
	// Env holds NAME=VALUE pairs set in every task's environment.
	Env []string
	// Parallelism caps the tasks of one stage that run at once (Job
	// parallelism, the workflow's parallelism, or an array's %limit);
	// 0 means no cap.
	Parallelism int
	// Wait is the --wait given to every Kubernetes stage after plan; 0
	// means DefaultWait. Unused by argo and slurm, whose schedulers order
	// the stages.
	Wait time.Duration
	// Secret is the Kubernetes Secret with the object-store credentials
	// (AWS_* or AZURE_STORAGE_* keys, or key.json for gs://) and an
	// optional WINNOW_KEY. Empty means DefaultSecret.
	Secret string
	// Volume is the PersistentVolumeClaim (ReadWriteMany) mounted on
	// Kubernetes when an input or the output is a filesystem path; empty
	// means DefaultVolume.
	Volume string
	// MountPath is where Volume is mounted; empty means DefaultMountPath.
	MountPath string
}

// Targets returns the targets Render accepts, sorted; the caller owns the
// returned slice.
func Targets() []string { return []string{TargetArgo, TargetK8s, TargetSlurm} }

// Render writes the spec for target (TargetK8s, TargetArgo or
// TargetSlurm) to w. It validates s first and writes nothing when s is
// invalid (errors wrap ErrInvalidSpec) or target is unknown
// (ErrUnknownTarget). The output is deterministic: the same Spec gives
// the same bytes. Render is safe for concurrent use.
func Render(w io.Writer, target string, s Spec) error {
	var render func(*bytes.Buffer, *spec) error
	switch target {
	case TargetK8s:
		render = renderK8s
	case TargetArgo:
		render = renderArgo
	case TargetSlurm:
		render = renderSlurm
	default:
		return fmt.Errorf("%w %q (want %s)", ErrUnknownTarget, target, strings.Join(Targets(), ", "))
	}
	r, err := resolve(target, s)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := render(&buf, r); err != nil {
		return fmt.Errorf("deploy %s: %w", target, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("deploy %s: write: %w", target, err)
	}
	return nil
}

// spec is a validated Spec with its defaults filled in.
type spec struct {
	Spec
	memory uint64 // bytes; 0 = unset
	stages []stage
}

// stage is one step of the pipeline.
type stage struct {
	name  string   // plan, map, reduce, resolve, finalize, commit
	tasks int      // 1, N or R
	shard bool     // takes --shard INDEX/tasks
	args  []string // arguments after the stage name, without --shard and --wait
}

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	envName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	urlish   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
)

// longestStage is the longest suffix appended to Name ("-finalize").
const longestStage = len("-finalize")

// resolve validates s for target and fills in the defaults.
func resolve(target string, s Spec) (*spec, error) {
	r := &spec{Spec: s}
	r.Inputs = append([]string(nil), s.Inputs...)
	r.PlanArgs = append([]string(nil), s.PlanArgs...)
	r.Env = append([]string(nil), s.Env...)
	if r.Partitions == 0 {
		r.Partitions = DefaultPartitions
	}
	if r.Name == "" {
		r.Name = DefaultName
	}
	if r.Winnow == "" {
		r.Winnow = DefaultWinnow
	}
	if r.Wait == 0 {
		r.Wait = DefaultWait
	}
	if r.Secret == "" {
		r.Secret = DefaultSecret
	}
	if r.Volume == "" {
		r.Volume = DefaultVolume
	}
	if r.MountPath == "" {
		r.MountPath = DefaultMountPath
	}
	yaml := target == TargetK8s || target == TargetArgo

	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidSpec}, a...)...))
	}
	if len(r.Inputs) == 0 {
		bad("no inputs")
	}
	if r.Out == "" {
		bad("no output (Out)")
	}
	if r.Shards < 1 {
		bad("shards must be at least 1, not %d", r.Shards)
	}
	if r.Partitions < 1 {
		bad("partitions must be at least 1, not %d", r.Partitions)
	}
	if r.Parallelism < 0 {
		bad("parallelism must not be negative, not %d", r.Parallelism)
	}
	if r.CPUs < 0 {
		bad("cpus must not be negative, not %d", r.CPUs)
	}
	if r.Wait < 0 {
		bad("wait must not be negative, not %v", r.Wait)
	}
	if !dnsLabel.MatchString(r.Name) || len(r.Name)+longestStage > 63 {
		bad("name %q must be a DNS label (lowercase letters, digits, '-') of at most %d characters", r.Name, 63-longestStage)
	}
	if r.Memory != "" {
		m, err := parseQuantity(r.Memory)
		if err != nil {
			bad("memory: %v", err)
		}
		r.memory = m
	}
	for _, a := range r.PlanArgs {
		name, _, _ := strings.Cut(a, "=")
		switch name {
		case "--out", "-o", "--shards", "--partitions", "--shard", "--wait":
			bad("plan argument %q is set by the spec itself", name)
		default:
			if strings.HasPrefix(a, "-o") {
				bad("plan argument %q is set by the spec itself", "-o")
			}
		}
	}
	for i, e := range r.Env {
		name, _, ok := strings.Cut(e, "=")
		if !ok || !envName.MatchString(name) {
			// The entry is not shown: it may be a credential.
			bad("env entry %d is not NAME=VALUE with a valid variable name", i+1)
		}
	}
	if yaml {
		if r.Image == "" {
			bad("%s needs a container image", target)
		}
		if r.Namespace != "" && !dnsLabel.MatchString(r.Namespace) {
			bad("namespace %q is not a DNS label", r.Namespace)
		}
		if !dnsLabel.MatchString(r.Secret) && !dnsSubdomain(r.Secret) {
			bad("secret %q is not a valid Secret name", r.Secret)
		}
		if !dnsSubdomain(r.Volume) {
			bad("volume %q is not a valid PersistentVolumeClaim name", r.Volume)
		}
		if !path.IsAbs(r.MountPath) {
			bad("mount path %q is not absolute", r.MountPath)
		}
	}
	// Every value that reaches the output, labelled for the messages;
	// env values are never shown (they may hold credentials).
	type labelled struct{ label, v string }
	var all []labelled
	for _, v := range append(append([]string{r.Out, r.Winnow, r.Image, r.Namespace}, r.Inputs...), r.PlanArgs...) {
		all = append(all, labelled{fmt.Sprintf("value %q", truncate(v)), v})
	}
	for _, e := range r.Env {
		name, _, _ := strings.Cut(e, "=")
		all = append(all, labelled{fmt.Sprintf("env %q", truncate(name)), e})
	}
	for _, l := range all {
		if strings.ContainsRune(l.v, 0) {
			bad("%s contains a NUL byte", l.label)
		}
		if yaml && !utf8.ValidString(l.v) {
			bad("%s is not valid UTF-8, which Kubernetes objects require", l.label)
		} else if yaml && strings.IndexFunc(l.v, notYAMLPrintable) >= 0 {
			bad("%s contains a control character, which YAML cannot carry", l.label)
		}
		if target == TargetArgo && strings.Contains(l.v, "{{") {
			bad("%s contains '{{', which Argo would substitute", l.label)
		}
	}
	for _, p := range append([]string{r.Out}, r.Inputs...) {
		if strings.HasPrefix(strings.ToLower(p), "mem://") {
			bad("%q: mem:// lives inside one process; the tasks need shared storage", truncate(p))
		}
		if yaml && isLocal(p) {
			if abs := localPath(p); path.IsAbs(abs) && !within(abs, r.MountPath) {
				bad("%q is outside the volume mounted at %s: pods cannot see it", truncate(p), r.MountPath)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.stages = stages(r)
	return r, nil
}

// stages lists the pipeline for r, as the contract of `winnow plan` and
// the later stages describes it.
func stages(r *spec) []stage {
	flags := []string{"--out", r.Out, "--shards", strconv.Itoa(r.Shards), "--partitions", strconv.Itoa(r.Partitions)}
	flags = append(flags, r.PlanArgs...)
	plan := append(append([]string(nil), r.Inputs...), flags...)
	for _, in := range r.Inputs {
		if strings.HasPrefix(in, "-") {
			// An input that looks like a flag: flags first, then "--".
			plan = append(append(flags, "--"), r.Inputs...)
			break
		}
	}
	out := []string{"--out", r.Out}
	return []stage{
		{name: "plan", tasks: 1, args: plan},
		{name: "map", tasks: r.Shards, shard: true, args: out},
		{name: "reduce", tasks: r.Partitions, shard: true, args: out},
		{name: "resolve", tasks: 1, args: out},
		{name: "finalize", tasks: r.Shards, shard: true, args: out},
		{name: "commit", tasks: 1, args: out},
	}
}

// schemes returns which storage kinds r's inputs and output use:
// "s3", "gs", "azblob", and "local" for filesystem paths.
func (r *spec) schemes() map[string]bool {
	m := map[string]bool{}
	for _, p := range append([]string{r.Out}, r.Inputs...) {
		if isLocal(p) {
			m["local"] = true
			continue
		}
		scheme, _, _ := strings.Cut(p, "://")
		m[strings.ToLower(scheme)] = true
	}
	return m
}

// isLocal reports whether p is a filesystem path or a file:// URL.
func isLocal(p string) bool {
	return !urlish.MatchString(p) || strings.HasPrefix(strings.ToLower(p), "file://")
}

// localPath returns the filesystem path of a path or file:// URL.
func localPath(p string) string {
	if len(p) >= 7 && strings.EqualFold(p[:7], "file://") {
		p = p[7:]
		if i := strings.IndexAny(p, "?#"); i >= 0 {
			p = p[:i]
		}
	}
	return p
}

// within reports whether the absolute path p is dir or inside it.
func within(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// dnsSubdomain reports whether s is a DNS-1123 subdomain (the rule for
// Secret and PersistentVolumeClaim names).
func dnsSubdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !dnsLabel.MatchString(part) {
			return false
		}
	}
	return true
}

// notYAMLPrintable reports whether YAML 1.2 forbids r in a document
// (C0 controls other than tab and line feed, DEL, C1 controls other than
// NEL, U+FFFE and U+FFFF). A carriage return is refused too: it would read
// back as a line break.
func notYAMLPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f && r != 0x85, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// truncate shortens v for error messages.
func truncate(v string) string {
	const max = 80
	if len(v) <= max {
		return v
	}
	return v[:max] + "..."
}

// formatDuration writes d without zero minutes and seconds ("24h", "90m").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
