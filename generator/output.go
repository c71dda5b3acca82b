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
	// package, at dir/<group>/<version>; when empty, each file goes next to
	// the types, into the API package.
	dir string
	// file is the generated file's name.
	file string
}

func (o outputLayout) outputFor(root *loader.Package, group string) model.Output {
	if o.dir == "" {
		return model.Output{Dir: packageDir(root), File: o.file, PackageName: root.Name, SamePackage: true}
	}
	// The last two elements of the import path, as client-gen lays out
	// typed clients: .../api/infra/v1alpha1 -> <dir>/infra/v1alpha1.
	elems := strings.Split(root.PkgPath, "/")
	if len(elems) > 2 {
		elems = elems[len(elems)-2:]
	}
	name := packageName(path.Base(root.PkgPath))
	return model.Output{Dir: filepath.Join(append([]string{o.dir}, elems...)...), File: o.file, PackageName: name}
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
