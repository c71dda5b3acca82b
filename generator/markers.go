package generator

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"sort"
	"strings"

	"sigs.k8s.io/controller-tools/pkg/markers"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// marker is one marker definition with its help: the syntax a user
// writes and what it means. The help of conflict-gen's own markers is
// what --help prints; controller-tools keeps it in the registry too.
type marker struct {
	*markers.Definition
	syntax string
	help   string
}

func define(name string, target markers.TargetType, output any, syntax, help string) marker {
	return marker{Definition: markers.Must(markers.MakeDefinition(name, target, output)), syntax: syntax, help: help}
}

// Markers of conflict-gen. Their grammar is kubebuilder's: they are parsed
// by controller-tools, so a bad argument is reported the way controller-gen
// reports it.
var (
	generatePackageMarker = define("conflict:generate", markers.DescribesPackage, false,
		"+conflict:generate=<bool>", "on a package (doc.go or groupversion_info.go): false opts the package out")
	generateTypeMarker = define("conflict:generate", markers.DescribesType, false,
		"+conflict:generate=<bool>", "on a type: overrides the package; true on a type that is not a kind is an error")
	observedGenMarker = define("conflict:observedGeneration", markers.DescribesType, "",
		"+conflict:observedGeneration=<Go field path>", "on a kind: the int64 field that records the observed generation, e.g. Status.Sync.LastSyncedGeneration (default Status.ObservedGeneration)")
	requestLogMarker = define("conflict:requestLog", markers.DescribesType, "",
		"+conflict:requestLog=<Go field path>", "on a kind with a status subresource: the []string status field, e.g. Status.RequestLog, that keeps the request IDs of its status writes (conflict.WithRequestID); without it a status write with a request ID fails")
	mergeFieldMarker = define("conflict:merge", markers.DescribesField, "",
		"+conflict:merge=<strategy>", "on a field: how a three-way merge resolves a change made on both sides (strategies below)")
	mergeTypeMarker = define("conflict:merge", markers.DescribesType, "",
		"+conflict:merge=<strategy>", "on a type definition: the same, wherever the type is used")
)

// Markers of other generators that decide what conflict-gen generates.
// They are documented by their own generators.
var (
	// The API server's topology markers: how server-side apply, and so the
	// three-way merge, sees lists, maps and structs.
	listTypeFieldMarker   = define("listType", markers.DescribesField, "", "", "")
	listTypeTypeMarker    = define("listType", markers.DescribesType, "", "", "")
	listMapKeyFieldMarker = define("listMapKey", markers.DescribesField, "", "", "")
	listMapKeyTypeMarker  = define("listMapKey", markers.DescribesType, "", "", "")
	mapTypeFieldMarker    = define("mapType", markers.DescribesField, "", "", "")
	mapTypeTypeMarker     = define("mapType", markers.DescribesType, "", "", "")
	structTypeFieldMarker = define("structType", markers.DescribesField, "", "", "")
	structTypeTypeMarker  = define("structType", markers.DescribesType, "", "", "")

	// controller-gen's: the CRD keeps the unknown fields of the object
	// (and the deprecated spelling of the same).
	preserveUnknownFieldsMarker      = define("kubebuilder:pruning:PreserveUnknownFields", markers.DescribesField, struct{}{}, "", "")
	preserveUnknownFieldsTypeMarker  = define("kubebuilder:pruning:PreserveUnknownFields", markers.DescribesType, struct{}{}, "", "")
	xPreserveUnknownFieldsMarker     = define("kubebuilder:validation:XPreserveUnknownFields", markers.DescribesField, struct{}{}, "", "")
	xPreserveUnknownFieldsTypeMarker = define("kubebuilder:validation:XPreserveUnknownFields", markers.DescribesType, struct{}{}, "", "")

	objectRootMarker        = define("kubebuilder:object:root", markers.DescribesType, false, "", "")
	statusSubresourceMarker = define("kubebuilder:subresource:status", markers.DescribesType, struct{}{}, "", "")

	// client-gen's markers. Its sub-markers are registered too: a marker
	// +genclient:x=y that is not registered is looked up as +genclient with
	// the argument y, which +genclient does not take.
	genclientMarker              = define("genclient", markers.DescribesType, struct{}{}, "", "")
	genclientNoStatusMarker      = define("genclient:noStatus", markers.DescribesType, struct{}{}, "", "")
	genclientNonNamespacedMarker = define("genclient:nonNamespaced", markers.DescribesType, struct{}{}, "", "")
	genclientNoVerbsMarker       = define("genclient:noVerbs", markers.DescribesType, struct{}{}, "", "")
	genclientSkipVerbsMarker     = define("genclient:skipVerbs", markers.DescribesType, markers.RawArguments(nil), "", "")
	genclientOnlyVerbsMarker     = define("genclient:onlyVerbs", markers.DescribesType, markers.RawArguments(nil), "", "")
	genclientMethodMarker        = define("genclient:method", markers.DescribesType, markers.RawArguments(nil), "", "")
)

// allMarkers is every marker read, conflict-gen's first: what the
// registry, the list of known +conflict: markers and --help are made of.
var allMarkers = []marker{
	generatePackageMarker, generateTypeMarker, observedGenMarker, requestLogMarker, mergeFieldMarker, mergeTypeMarker,
	objectRootMarker, statusSubresourceMarker, preserveUnknownFieldsMarker, preserveUnknownFieldsTypeMarker,
	xPreserveUnknownFieldsMarker, xPreserveUnknownFieldsTypeMarker,
	listTypeFieldMarker, listTypeTypeMarker, listMapKeyFieldMarker, listMapKeyTypeMarker,
	mapTypeFieldMarker, mapTypeTypeMarker, structTypeFieldMarker, structTypeTypeMarker,
	genclientMarker, genclientNoStatusMarker, genclientNonNamespacedMarker, genclientNoVerbsMarker,
	genclientSkipVerbsMarker, genclientOnlyVerbsMarker, genclientMethodMarker,
}

const conflictPrefix = "conflict:"

func newRegistry() (*markers.Registry, error) {
	reg := &markers.Registry{}
	for _, m := range allMarkers {
		if err := reg.Register(m.Definition); err != nil {
			return nil, err
		}
		if m.help != "" {
			reg.AddHelp(m.Definition, &markers.DefinitionHelp{Category: "conflict-gen", DetailedHelp: markers.DetailedHelp{Summary: m.help}})
		}
	}
	return reg, nil
}

// knownConflictMarkers returns the names after "+conflict:", sorted.
func knownConflictMarkers() []string {
	var names []string
	for _, m := range allMarkers {
		if name, ours := strings.CutPrefix(m.Name, conflictPrefix); ours && !contains(names, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// unknownStrategy is the error for a +conflict:merge value that names no
// strategy.
func unknownStrategy(value string) string {
	return fmt.Sprintf("unknown merge strategy %q in +conflict:merge (known: %s)", value, strings.Join(model.StrategyMarkers(), ", "))
}

// checkConflictMarkers finds +conflict: markers that controller-tools would
// silently ignore (a misspelt name) or accept although they mean nothing
// (an unknown strategy), anywhere in a file's comments.
func checkConflictMarkers(file *ast.File, pos func(ast.Node) (string, int), errs *errorList) {
	for _, group := range file.Comments {
		for _, c := range group.List {
			text, ok := strings.CutPrefix(c.Text, "//")
			if !ok {
				continue
			}
			text = strings.TrimSpace(text)
			rest, ok := strings.CutPrefix(text, "+conflict:")
			if !ok {
				continue
			}
			name, value, hasValue := strings.Cut(rest, "=")
			f, line := pos(c)
			at := positionOf(f, line)
			known := knownConflictMarkers()
			if !contains(known, name) {
				errs.add(at, "unknown marker +conflict:%s (known: %s)", name, strings.Join(known, ", "))
				continue
			}
			if name == strings.TrimPrefix(mergeFieldMarker.Name, conflictPrefix) {
				value = strings.Trim(strings.TrimSpace(value), `"`)
				if _, ok := model.ParseStrategy(value); ok {
					continue
				}
				if !hasValue || value == "" {
					// controller-tools reports a missing argument at
					// the same line; this says which one.
					errs.addInstead(at, "+conflict:merge needs a strategy, as +conflict:merge=<strategy> (known: %s)", strings.Join(model.StrategyMarkers(), ", "))
					continue
				}
				errs.add(at, "%s", unknownStrategy(value))
				continue
			}
			if m := pathMarker(name); m != nil && strings.Trim(strings.TrimSpace(value), `"`) == "" {
				// controller-tools reports a missing argument at the same
				// line; this says which one.
				errs.addInstead(at, "+conflict:%s needs a Go field path, as %s", name, m.syntax)
			}
		}
	}
}

// pathMarker returns the definition of the +conflict: marker name when
// its value is a Go field path, or nil.
func pathMarker(name string) *marker {
	for _, m := range []marker{observedGenMarker, requestLogMarker} {
		if m.Name == conflictPrefix+name {
			return &m
		}
	}
	return nil
}

// MarkerHelp returns the reference of conflict-gen's markers and
// strategies as text, from their definitions.
func MarkerHelp() string {
	var b strings.Builder
	for _, m := range allMarkers {
		if m.help != "" {
			fmt.Fprintf(&b, "  %s\n      %s\n", m.syntax, m.help)
		}
	}
	b.WriteString("  strategies (a field both sides changed becomes ...):\n")
	for _, s := range model.Strategies() {
		fmt.Fprintf(&b, "      %-10s %s; fits %s\n", s.Marker(), s.Help(), s.Fits())
	}
	return b.String()
}

// groupName reads the +groupName package marker, or else the package's
// GroupName string constant (client-gen style packages such as
// k8s.io/api/apps/v1 have only that). The marker is not parsed by
// controller-tools because the core group is written +groupName= (empty),
// which its parser rejects for every argument type.
func groupName(files []*ast.File, pkg *types.Package) string {
	for _, file := range files {
		for _, group := range file.Comments {
			for _, c := range group.List {
				text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
				if v, ok := strings.CutPrefix(text, "+groupName="); ok {
					return strings.Trim(strings.TrimSpace(v), `"`)
				}
			}
		}
	}
	if c, ok := pkg.Scope().Lookup("GroupName").(*types.Const); ok && c.Val().Kind() == constant.String {
		return constant.StringVal(c.Val())
	}
	return ""
}
