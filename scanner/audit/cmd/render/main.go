// Command render writes the HTML audit report of a winnow output directory
// to standard output (or to -o FILE). It is a stand-in for `winnow clean`
// writing OUT/report.html, used by scripts/html-report-check.sh.
//
// Usage:
//
//	go run ./scanner/audit/cmd/render [-title T] [-generated S] [-o FILE] OUTDIR
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/winnow-data/winnow/scanner/audit"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "render:", err)
		}
		os.Exit(2)
	}
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt audit.Options
	out := fs.String("o", "", "write the page to `FILE` instead of standard output")
	fs.StringVar(&opt.Title, "title", "", "page title")
	fs.StringVar(&opt.Generated, "generated", "", "text shown as the generation time (empty keeps the page reproducible)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: render [flags] OUTDIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want exactly one output directory")
	}
	if *out == "" {
		return audit.Render(stdout, fs.Arg(0), opt)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := audit.Render(f, fs.Arg(0), opt); err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	return f.Close()
}
