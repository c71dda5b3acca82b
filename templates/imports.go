package templates

import (
	"regexp"
	"strings"

	"github.com/dave/jennifer/jen"
	"k8s.io/gengo/v2/generator"
	"k8s.io/gengo/v2/namer"
	gengotypes "k8s.io/gengo/v2/types"
)

// Import paths the generated code uses, with their package names.
const (
	contextPath        = "context"
	clientPath         = "sigs.k8s.io/controller-runtime/pkg/client"
	controllerutilPath = "sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	conflictPath       = "github.com/conflict-gen/conflict-gen/runtime/conflict"
	metaPath           = "k8s.io/apimachinery/pkg/api/meta"
	metav1Path         = "k8s.io/apimachinery/pkg/apis/meta/v1"
	schemaPath         = "k8s.io/apimachinery/pkg/runtime/schema"
	equalityPath       = "k8s.io/apimachinery/pkg/api/equality"
	timePath           = "time"
)

var packageNames = map[string]string{
	contextPath:        "context",
	clientPath:         "client",
	controllerutilPath: "controllerutil",
	conflictPath:       "conflict",
	metaPath:           "meta",
	metav1Path:         "v1",
	schemaPath:         "schema",
	equalityPath:       "equality",
	timePath:           "time",
	"strconv":          "strconv",
}

// versionName matches package names that are only an API version. They
// make poor import names (v1 of what?), so Kubernetes code imports
// k8s.io/apimachinery/pkg/apis/meta/v1 as metav1, never v1, v11 or v12.
var versionName = regexp.MustCompile(`^v[0-9]+((alpha|beta)[0-9]+)?$`)

// imports names the packages a generated file imports, Kubernetes style,
// with gengo's import tracker: the shortest suffix of the import path
// joined without separators (client, metav1, infrav1alpha1) that is not
// taken, not a bare version, and not an identifier of the file's own
// package.
type imports struct {
	tracker  *namer.DefaultImportTracker
	names    map[string]string // path -> package name, for API packages
	reserved map[string]bool
	paths    []string
}

func newImports(local string, reserved map[string]bool) *imports {
	im := &imports{tracker: generator.NewImportTrackerForPackage(local), names: map[string]string{}, reserved: reserved}
	im.tracker.LocalName = im.localName
	return im
}

func (im *imports) localName(name gengotypes.Name) string {
	dirs := strings.Split(name.Package, "/")
	for n := len(dirs) - 1; n >= 0; n-- {
		candidate := strings.Join(dirs[n:], "")
		candidate = strings.NewReplacer("_", "", ".", "", "-", "").Replace(candidate)
		if _, taken := im.tracker.PathOf(candidate); taken || im.reserved[candidate] || versionName.MatchString(candidate) {
			continue
		}
		if jen.IsReservedWord(candidate) {
			candidate = "_" + candidate
		}
		return candidate
	}
	return "pkg" + strings.NewReplacer("/", "", ".", "", "-", "", "_", "").Replace(name.Package)
}

// qual refers to name in the package at path, importing it.
func (im *imports) qual(path, name string) *jen.Statement {
	if im.tracker.LocalNameOf(path) == "" {
		im.tracker.AddSymbol(gengotypes.Name{Package: path, Name: name})
		if im.tracker.LocalNameOf(path) != "" {
			im.paths = append(im.paths, path)
		}
	}
	return jen.Qual(path, name)
}

// apply tells jennifer the names chosen.
func (im *imports) apply(f *jen.File) {
	for _, path := range im.paths {
		local := im.tracker.LocalNameOf(path)
		real := packageNames[path]
		if real == "" {
			real = im.names[path]
		}
		if local == real {
			f.ImportName(path, local)
		} else {
			f.ImportAlias(path, local)
		}
	}
}
