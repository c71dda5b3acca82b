package generator

import (
	"path"
	"path/filepath"
	"strings"

	"sigs.k8s.io/controller-tools/pkg/loader"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// outputLayout decides where each package's file goes.
type outputLayout struct {
	// dir, when set, is the root of separate output packages, one per API
	// package, at dir/<group's first DNS label>/<version>; when empty,
	// each file goes next to the types, into the API package.
	dir string
	// file is the generated file's name.
	file string
}

func (o outputLayout) outputFor(root *loader.Package, group string) model.Output {
	if o.dir == "" {
		return model.Output{Dir: packageDir(root), File: o.file, PackageName: root.Name, SamePackage: true}
	}
	return model.Output{Dir: filepath.Join(o.dir, groupDir(root.PkgPath, group)), File: o.file, PackageName: packageName(path.Base(root.PkgPath))}
}

// groupDir is where a package's output goes below --output-dir, as
// client-gen lays out typed clients: <group's first DNS label>/<version>,
// the version being the import path's last element
// (infra.homelab-autoscaler.dev, .../api/v1alpha1 -> infra/v1alpha1). A
// package without a group (the core group, or none declared) falls back
// to the import path's last two elements (k8s.io/api/core/v1 -> core/v1).
func groupDir(pkgPath, group string) string {
	if label, _, _ := strings.Cut(group, "."); label != "" {
		return path.Join(label, path.Base(pkgPath))
	}
	elems := strings.Split(pkgPath, "/")
	if len(elems) > 2 {
		elems = elems[len(elems)-2:]
	}
	return path.Join(elems...)
}

func packageDir(root *loader.Package) string {
	for _, f := range root.GoFiles {
		return filepath.Dir(f)
	}
	for _, f := range root.CompiledGoFiles {
		return filepath.Dir(f)
	}
	return ""
}

// packageName makes a directory name a valid Go package name.
func packageName(dir string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return -1
	}, dir)
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		name = "p" + name
	}
	return name
}
