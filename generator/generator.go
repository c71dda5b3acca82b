package generator

import (
	"fmt"
	"io"
	"path/filepath"

	"k8s.io/gengo/v2"

	"github.com/conflict-gen/conflict-gen/generator/model"
	"github.com/conflict-gen/conflict-gen/templates"
)

// DefaultOutputFile is the name of the generated file.
const DefaultOutputFile = "zz_generated.conflict.go"

// Options configure one run of the generator.
type Options struct {
	// Patterns are the API packages to generate for, as go list takes them
	// (./api/..., or import paths).
	Patterns []string
	// OutputDir, when set, holds one generated package per API package, at
	// OutputDir/<group's first DNS label>/<version> (the import path's last
	// two elements for a package without a group); when empty the file is
	// written next to the types, into the API package.
	OutputDir string
	// OutputFile is the generated file's name (default DefaultOutputFile).
	OutputFile string
	// HeaderFile is a file whose text starts every generated file, with
	// YEAR replaced by the current year (Kubernetes' boilerplate
	// convention).
	HeaderFile string
	// Verify compares instead of writing: Run fails listing the files that
	// are stale or missing, and writes nothing.
	Verify bool
	// Kinds, when set, selects the kinds to generate for by name
	// (StatefulSet, ConfigMap); other kinds of the packages get nothing. A
	// name that is no kind of the packages is an error.
	Kinds []string
}

// File is one generated file, or the place of one that a package no
// longer generates.
type File struct {
	// Path is where it goes.
	Path string
	// Package is the API package it was generated from.
	Package string
	// Content is the gofmt'd source; nil when the package generates
	// nothing.
	Content []byte
	// Empty, when the package generates nothing, says why (it has no
	// kinds, or opts out). A file of conflict-gen's found at Path is then
	// left over from an earlier run: Run removes it, and Verify reports
	// it, as it would report a stale file.
	Empty string
	// packageName is the output package's name, and samePackage is set
	// when the file goes into the API package itself: an existing file at
	// Path is ours only when its header says so.
	packageName string
	samePackage bool
}

// Generate loads, models and renders, without writing. On bad input the
// error is an ErrorList.
func Generate(opts Options) ([]File, error) {
	if len(opts.Patterns) == 0 {
		return nil, fmt.Errorf("no packages given")
	}
	file := opts.OutputFile
	if file == "" {
		file = DefaultOutputFile
	}
	if filepath.Base(file) != file {
		return nil, fmt.Errorf("output file %q must be a file name, not a path", file)
	}
	var header []byte
	if opts.HeaderFile != "" {
		var err error
		if header, err = gengo.GoBoilerplate(opts.HeaderFile, "", ""); err != nil {
			return nil, fmt.Errorf("reading header file: %w", err)
		}
	}

	loaded, err := load(opts.Patterns)
	if err != nil {
		return nil, err
	}
	pkgs, empty, err := build(loaded, outputLayout{dir: opts.OutputDir, file: file}, newKindSelection(opts.Kinds))
	if err != nil {
		return nil, err
	}
	if err := checkInMainModule(pkgs, empty); err != nil {
		return nil, err
	}
	files, err := render(pkgs, header)
	if err != nil {
		return nil, err
	}
	generated := map[string]bool{}
	for _, f := range files {
		generated[f.Path] = true
	}
	for _, e := range empty {
		path := filepath.Join(e.output.Dir, e.output.File)
		if generated[path] {
			path = "" // another package's file: not ours to remove
		}
		files = append(files, File{Path: path, Package: e.path, Empty: e.why, packageName: e.output.PackageName, samePackage: e.output.SamePackage})
	}
	return files, nil
}

func render(pkgs []*model.Package, header []byte) ([]File, error) {
	files := make([]File, 0, len(pkgs))
	for _, pkg := range pkgs {
		content, err := templates.Render(pkg, header)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: filepath.Join(pkg.Output.Dir, pkg.Output.File), Package: pkg.Path, Content: content,
			packageName: pkg.Output.PackageName, samePackage: pkg.Output.SamePackage})
	}
	return files, nil
}

// Run generates and writes every file, or, with Verify, checks them. It
// reports what it did to log, and every package that generates nothing,
// with the reason. Nothing is written unless every package generated
// without error.
func Run(opts Options, log io.Writer) error {
	files, err := Generate(opts)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Content == nil {
			fmt.Fprintf(log, "%s: nothing generated: %s\n", f.Package, f.Empty)
		}
	}
	if opts.Verify {
		return verify(files)
	}
	return write(files, log)
}
