package deploy_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/winnow-data/winnow/scanner/deploy"
)

// A Slurm script for 4 shards: each stage an array chained to the one
// before; printed here are only its sbatch submissions.
func ExampleRender() {
	var buf bytes.Buffer
	err := deploy.Render(&buf, deploy.TargetSlurm, deploy.Spec{
		Inputs:     []string{"samples/data"},
		Out:        "/shared/cleaned",
		Shards:     4,
		Partitions: 8,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, "submit ") {
			fmt.Println(line)
		}
	}
	// Output:
	// submit plan --job-name=winnow-plan <<'WINNOW_JOB'
	// submit map --job-name=winnow-map --array=0-3 --dependency=afterok:"${job[plan]}" <<'WINNOW_JOB'
	// submit reduce --job-name=winnow-reduce --array=0-7 --dependency=afterok:"${job[map]}" <<'WINNOW_JOB'
	// submit resolve --job-name=winnow-resolve --dependency=afterok:"${job[reduce]}" <<'WINNOW_JOB'
	// submit finalize --job-name=winnow-finalize --array=0-3 --dependency=afterok:"${job[resolve]}" <<'WINNOW_JOB'
	// submit commit --job-name=winnow-commit --dependency=afterok:"${job[finalize]}" <<'WINNOW_JOB'
}

// Render reports every problem of a spec at once.
func ExampleRender_invalid() {
	err := deploy.Render(&bytes.Buffer{}, deploy.TargetK8s, deploy.Spec{Inputs: []string{"s3://b/in"}, Shards: 0})
	fmt.Println(err)
	// Output:
	// invalid deploy spec: no output (Out)
	// invalid deploy spec: shards must be at least 1, not 0
	// invalid deploy spec: k8s needs a container image
}
