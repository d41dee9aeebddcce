package provenance_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"github.com/winnow-data/winnow/scanner/provenance"
)

func ExamplePAE() {
	fmt.Printf("%s\n", provenance.PAE("http://example.com/HelloWorld", []byte("hello world")))
	// Output: DSSEv1 29 http://example.com/HelloWorld 11 hello world
}

func ExampleSign() {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize))
	manifest := []byte(`{"_type":"https://in-toto.io/Statement/v1"}` + "\n")
	env, err := provenance.Sign(manifest, priv)
	if err != nil {
		panic(err)
	}
	payload, err := provenance.VerifyEnvelope(env, priv.Public().(ed25519.PublicKey))
	fmt.Println(err, bytes.Equal(payload, manifest))

	env = bytes.Replace(env, []byte(`"payload": "ey`), []byte(`"payload": "ez`), 1)
	_, err = provenance.VerifyEnvelope(env, priv.Public().(ed25519.PublicKey))
	fmt.Println(err != nil)
	// Output:
	// <nil> true
	// true
}

func ExampleProblem_String() {
	p := provenance.Problem{Kind: provenance.ProblemInputChanged, File: "corpus/a.jsonl",
		Expected: "446b…", Actual: "91c0…", Detail: "input changed since the run"}
	fmt.Println(p)
	// Output: corpus/a.jsonl: input-changed: input changed since the run (expected 446b…, actual 91c0…)
}
