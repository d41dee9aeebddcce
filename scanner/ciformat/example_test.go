package ciformat_test

import (
	"fmt"

	"github.com/winnow-data/winnow/detectors"
	"github.com/winnow-data/winnow/scanner/ciformat"
)

func ExampleParsePolicy() {
	p, err := ciformat.ParsePolicy("secret.*=any, pii.credit_card>0, dup.exact>1%, high")
	if err != nil {
		fmt.Println(err)
		return
	}
	fails := p.Evaluate(ciformat.Counts{
		RecordsIn:      1000,
		FindingsByKind: map[string]int64{"secret.jwt": 2, "dup.exact": 32, "pii.email": 7},
		RecordsByKind:  map[string]int64{"secret.jwt": 2, "dup.exact": 32, "pii.email": 5},
		Severity:       map[string]detectors.Severity{"secret.jwt": detectors.SeverityMedium, "pii.email": detectors.SeverityMedium},
	})
	fmt.Println(p)
	for _, f := range fails {
		fmt.Println(f.Message)
	}
	_, err = ciformat.ParsePolicy("secret.*=any,pii.*>=1")
	fmt.Println(err)
	// Output:
	// secret.*=any,pii.credit_card>0,dup.exact>1%,high
	// secret.*: 2 findings, any fails
	// dup.exact: 3.2% of records > 1% (32 of 1000)
	// clause 2 "pii.*>=1": '>=' is not supported: use >N (e.g. >0 fails on one finding)
}
