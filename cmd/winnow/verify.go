package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/winnow-data/winnow/scanner/provenance"
)

// runVerify implements `winnow verify DIR`: exit 0 when the output matches
// its manifest, 1 when it does not (each problem printed), 2 on errors.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("verify", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	inputs := fs.Bool("inputs", false, "also re-hash the inputs recorded in the manifest and report any that changed (split-view defense)")
	pubKey := fs.String("pub-key", "", "ed25519 public key (PEM): require a valid signed manifest (manifest.intoto.dsse.json)")
	rerun := fs.Bool("rerun", false, "run clean again with the recorded arguments (from the same working directory) and require identical outputs")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: winnow verify [flags] DIR\n\nRe-hash every file of a clean output and check it against manifest.intoto.json\nand croissant.json, and check that the ledger reproduces report.json's counts.\n\nExamples:\n  winnow verify winnow-out\n  winnow verify --inputs --pub-key release.pub winnow-out\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("verify takes exactly one output directory")
	}
	dir := fs.Arg(0)
	opt := provenance.VerifyOptions{Inputs: *inputs}
	if *pubKey != "" {
		k, err := provenance.LoadPublicKey(*pubKey)
		if err != nil {
			return fmt.Errorf("--pub-key: %w", err)
		}
		opt.PubKey = k
	}
	res, err := provenance.Verify(ctx, dir, opt)
	if res != nil {
		for _, p := range res.Problems {
			fmt.Fprintln(stdout, p.String())
		}
	}
	if err != nil {
		if errors.Is(err, provenance.ErrVerifyFailed) {
			return &failError{msg: fmt.Sprintf("%s does not match its manifest (%d problems)", dir, len(res.Problems))}
		}
		return err
	}
	fmt.Fprintf(stdout, "verified %s: %d files, %d bytes, %d records in the ledger", dir, res.Files, res.Bytes, res.Records)
	if res.Signed {
		fmt.Fprint(stdout, ", signature valid")
	}
	if *inputs {
		fmt.Fprintf(stdout, ", %d inputs unchanged", res.Inputs)
	}
	fmt.Fprintln(stdout)
	if *rerun {
		return rerunAndCompare(ctx, dir, res.Statement, stdout, stderr)
	}
	return nil
}

// rerunAndCompare replays the recorded clean into a temporary directory and
// compares the manifest subjects.
func rerunAndCompare(ctx context.Context, dir string, st *provenance.Statement, stdout, stderr io.Writer) error {
	params, err := provenance.RecordedParameters(dir)
	if err != nil {
		return err
	}
	if len(params.Args) == 0 || params.Args[0] != "clean" {
		return errors.New("--rerun: the manifest records no clean command to replay")
	}
	tmp, err := os.MkdirTemp("", "winnow-rerun")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args := append(append([]string{}, params.Args...), "-q", "-o", tmp)
	if err := run(ctx, args, io.Discard, stderr); err != nil {
		return fmt.Errorf("--rerun: %w", err)
	}
	again, _, err := provenance.ReadStatement(tmp)
	if err != nil {
		return fmt.Errorf("--rerun: %w", err)
	}
	if probs := provenance.CompareSubjects(st.Subject, again.Subject); len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(stdout, "rerun:", p.String())
		}
		return &failError{msg: fmt.Sprintf("--rerun: outputs differ from %s", dir)}
	}
	fmt.Fprintln(stdout, "rerun: byte-identical outputs")
	return nil
}

// runKeygen implements `winnow keygen PREFIX`: writes PREFIX.key (PKCS#8
// private key, mode 0600) and PREFIX.pub (PKIX public key) for --sign-key
// and verify --pub-key.
func runKeygen(args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("keygen", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: winnow keygen PREFIX\n\nWrite an ed25519 key pair, PREFIX.key and PREFIX.pub, for clean --sign-key\nand verify --pub-key.\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("keygen takes one PREFIX")
	}
	pub, priv, err := provenance.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	p := fs.Arg(0)
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{p + ".key", priv, 0o600}, {p + ".pub", pub, 0o644}} {
		if _, err := os.Stat(f.name); err == nil {
			return fmt.Errorf("%s exists; not overwriting", f.name)
		}
		if err := os.WriteFile(f.name, f.data, f.mode); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s.key (private, keep it secret) and %s.pub\n", p, p)
	return nil
}
