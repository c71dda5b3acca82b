// Command conflict-gen generates conflict-handling helpers for Kubernetes
// API types: UpdateXWithRetry, UpdateXStatusWithRetry,
// CreateOrUpdateXWithRetry and observedGeneration and condition helpers,
// for every kind in the packages it is given.
//
// Run it from go generate:
//
//	//go:generate go run github.com/conflict-gen/conflict-gen/cmd/conflict-gen ./...
//
// or as a Go tool dependency (go get -tool
// github.com/conflict-gen/conflict-gen/cmd/conflict-gen, then go tool
// conflict-gen ./api/...).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/conflict-gen/conflict-gen/generator"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conflict-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts generator.Options
	fs.StringVar(&opts.OutputDir, "output-dir", "",
		"write one separate package per API package, at `DIR`/<group's first DNS label>/<version> (the import path's last two elements when the package has no group), instead of writing next to the types")
	fs.StringVar(&opts.OutputFile, "output-file", generator.DefaultOutputFile, "`name` of the generated file")
	fs.StringVar(&opts.HeaderFile, "go-header-file", "",
		"`file` whose text starts every generated file (a license); YEAR in it becomes the current year")
	fs.BoolVar(&opts.Verify, "verify", false,
		"write nothing; exit 1 listing the generated files that are stale, missing, or left over from a package that now generates nothing")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: conflict-gen [flags] <package patterns>

conflict-gen generates conflict-handling helpers for the Kubernetes object
kinds of the given Go packages (patterns as go list takes them, e.g. ./api/...).
For each kind X it writes UpdateXWithRetry, CreateOrUpdateXWithRetry,
UpdateXStatusWithRetry (with a status subresource), XNeedsReconcile and
SetXObservedGeneration (with status.observedGeneration) and SetXCondition
(with status.conditions). Bad input is reported as file:line: message and
nothing is written.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nMarkers:\n%s", generator.MarkerHelp())
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	opts.Patterns = fs.Args()
	if len(opts.Patterns) == 0 {
		fs.Usage()
		return 2
	}
	if err := generator.Run(opts, stdout); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	return 0
}
