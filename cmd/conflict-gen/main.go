// Command conflict-gen generates conflict-handling helpers for Kubernetes
// API types, for every kind X in the packages it is given:
//
//   - UpdateXWithRetry and, with a status subresource,
//     UpdateXStatusWithRetry: mutate a fresh copy and update, retrying on
//     409 Conflict;
//   - CreateOrUpdateXWithRetry: create if missing, else update;
//   - XNeedsReconcile and SetXObservedGeneration (kinds with an observed
//     generation) and SetXCondition (kinds with []metav1.Condition);
//   - MergeX: a three-way merge, field by field as the markers say;
//   - UpdateXFrom and, with a status subresource, UpdateXStatusFrom: write
//     an edited copy, merging with MergeX on a conflict;
//   - ApplyX and, with a status subresource, ApplyXStatus: server-side
//     apply of the fields the field owner owns after mutate, with the
//     kind's schema for server-side apply, which the generated file holds.
//
// Install it as kubebuilder projects install controller-gen, into ./bin at
// a pinned version, outside the operator's module:
//
//	GOBIN=$(pwd)/bin go install github.com/conflict-gen/conflict-gen/cmd/conflict-gen@VERSION
//
// and run it from make generate (bin/conflict-gen ./api/..., with --verify
// in CI), or from go generate in the API package:
//
//	//go:generate ../../bin/conflict-gen .
//
// It can also be a Go tool dependency (go get -tool
// github.com/conflict-gen/conflict-gen/cmd/conflict-gen, then go tool
// conflict-gen ./api/...), at the cost of its requirements joining the
// operator's module graph. conflict-gen --help lists the flags, the
// helpers and the markers.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/conflict-gen/conflict-gen/generator"
	"github.com/conflict-gen/conflict-gen/generator/model"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// A run allocates about 200 MB, most of it live until the end
		// (the loaded packages): collecting less often saves a fifth of
		// the CPU time, which is the run's time when the machine is busy.
		debug.SetGCPercent(400)
	}
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
	fs.Func("kinds", "generate only for these `kinds`, a comma-separated list (StatefulSet,ConfigMap); a name that is no kind of the packages is an error",
		func(v string) error {
			for _, k := range strings.Split(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					opts.Kinds = append(opts.Kinds, k)
				}
			}
			return nil
		})
	// The help goes to stdout when asked for, to stderr with a usage error.
	fs.Usage = func() {}
	usage := func(w io.Writer) {
		fs.SetOutput(w)
		defer fs.SetOutput(stderr)
		fmt.Fprintf(w, `Usage: conflict-gen [flags] <package patterns>

conflict-gen generates conflict-handling helpers for the Kubernetes object
kinds of the given Go packages (patterns as go list takes them, e.g. ./api/...).
Bad input is reported as file:line: message and nothing is written.

For each kind X it generates:
`)
		for _, h := range model.Helpers {
			when := ""
			if h.When != "" {
				when = " (" + h.When + ")"
			}
			fmt.Fprintf(w, "  %s%s\n      %s\n", h.Name, when, h.Does)
		}
		fmt.Fprintf(w, "\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(w, "\nMarkers:\n%s", generator.MarkerHelp())
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			usage(stdout)
			return 0
		}
		usage(stderr)
		return 2
	}
	opts.Patterns = fs.Args()
	if len(opts.Patterns) == 0 {
		usage(stderr)
		return 2
	}
	if err := generator.Run(opts, stdout); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	return 0
}
