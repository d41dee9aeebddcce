// Package deploy renders ready-to-submit specs that run winnow's staged
// pipeline (plan, map, reduce, resolve, finalize, commit; DESIGN §7) on an
// existing batch scheduler, for `winnow deploy k8s|slurm|argo`:
//
//   - k8s: one Kubernetes Indexed Job per stage in one multi-document YAML
//     file, applied all at once; every stage after plan is started with
//     --wait so its pods poll OUT for the predecessor's completion markers.
//   - argo: one Argo Workflow whose DAG runs the stages in order and fans
//     the indexed stages out with withSequence (--shard {{item}}/N).
//   - slurm: a bash script that submits the stages with sbatch as job arrays
//     chained with --dependency=afterok and prints the last job's id.
//
// The stages coordinate only through OUT (a shared filesystem or an object
// store URL), so the rendered specs carry no state of their own: rerunning
// one resumes, because a task whose completion marker exists exits at once.
//
// Every value from a Spec reaches winnow as exactly one argument, whatever
// it contains: the Slurm script quotes it for the shell, and the YAML
// targets escape Kubernetes' $(VAR) expansion. Argo's {{...}} substitution
// cannot be escaped, so Render refuses such values for argo.
package deploy
