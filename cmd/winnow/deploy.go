package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/winnow-data/winnow/scanner/deploy"
)

// runDeploy is `winnow deploy k8s|slurm|argo`: it prints ready-to-submit
// specs for a staged run.
func runDeploy(args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("deploy", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var s deploy.Spec
	fs.StringVarP(&s.Out, "out", "o", "", "the run's output: a directory every task mounts, or an object-store URL (required)")
	fs.IntVar(&s.Shards, "shards", 0, "N: map and finalize tasks (required)")
	fs.IntVar(&s.Partitions, "partitions", 0, "R: reduce tasks (dedupe band partitions; default 16)")
	fs.StringArrayVar(&s.PlanArgs, "plan-arg", nil, "extra clean flag passed to winnow plan, repeatable (e.g. --plan-arg=--dedupe-threshold=0.8)")
	fs.StringVar(&s.Name, "name", "", "job name prefix (a DNS label; default winnow)")
	fs.StringVar(&s.Image, "image", "", "container image with winnow (k8s, argo)")
	fs.StringVar(&s.Winnow, "winnow", "", "the winnow executable in the image or on the compute nodes")
	fs.StringVar(&s.Namespace, "namespace", "", "Kubernetes namespace")
	fs.IntVar(&s.CPUs, "cpus", 0, "CPUs per task")
	fs.StringVar(&s.Memory, "memory", "", "memory per task (e.g. 8Gi)")
	fs.StringArrayVar(&s.Env, "env", nil, "NAME=VALUE set in every task, repeatable")
	fs.IntVar(&s.Parallelism, "parallelism", 0, "at most this many tasks of a stage at once")
	fs.DurationVar(&s.Wait, "wait", 0, "k8s: how long each stage's pods wait for the previous stage")
	fs.StringVar(&s.Secret, "secret", "", "k8s/argo: Secret with object-store credentials and WINNOW_KEY")
	fs.StringVar(&s.Volume, "volume", "", "k8s/argo: ReadWriteMany PersistentVolumeClaim for filesystem paths")
	fs.StringVar(&s.MountPath, "mount-path", "", "k8s/argo: where the volume is mounted")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: winnow deploy k8s|slurm|argo --shards N -o OUT [flags] PATH...

Print ready-to-submit specs that run a staged winnow clean (plan, map,
reduce, resolve, finalize, commit) on a scheduler:
  k8s    one Indexed Job per stage; apply the file at once (kubectl apply -f)
  argo   one Workflow with a DAG (argo submit)
  slurm  a bash script that submits job arrays chained with afterok (bash)

Examples:
  winnow deploy slurm --shards 8 -o /shared/cleaned /shared/corpus > submit.sh && bash submit.sh
  winnow deploy k8s --shards 8 --image ghcr.io/acme/winnow:v1 -o /data/cleaned 's3://corpus/shards' | kubectl apply -f -

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return fmt.Errorf("deploy: name a target: %v", deploy.Targets())
	}
	target := fs.Arg(0)
	s.Inputs = fs.Args()[1:]
	if len(s.Inputs) == 0 {
		return errors.New("deploy: name the inputs (files, directories, globs or object-store URLs)")
	}
	return deploy.Render(stdout, target, s)
}
