package generator

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"sort"
	"strings"

	"sigs.k8s.io/controller-tools/pkg/markers"
)

// Markers of conflict-gen. Their grammar is kubebuilder's: they are parsed
// by controller-tools, so a bad argument is reported the way controller-gen
// reports it.
var (
	generatePackageMarker = markers.Must(markers.MakeDefinition("conflict:generate", markers.DescribesPackage, false))
	generateTypeMarker    = markers.Must(markers.MakeDefinition("conflict:generate", markers.DescribesType, false))
	observedGenMarker     = markers.Must(markers.MakeDefinition("conflict:observedGeneration", markers.DescribesType, ""))
	mergeFieldMarker      = markers.Must(markers.MakeDefinition("conflict:merge", markers.DescribesField, ""))
	mergeTypeMarker       = markers.Must(markers.MakeDefinition("conflict:merge", markers.DescribesType, ""))
)

// Markers of other generators that decide what conflict-gen generates.
var (
	// The API server's topology markers: how server-side apply, and so the
	// three-way merge, sees lists, maps and structs.
	listTypeFieldMarker   = markers.Must(markers.MakeDefinition("listType", markers.DescribesField, ""))
	listTypeTypeMarker    = markers.Must(markers.MakeDefinition("listType", markers.DescribesType, ""))
	listMapKeyFieldMarker = markers.Must(markers.MakeDefinition("listMapKey", markers.DescribesField, ""))
	listMapKeyTypeMarker  = markers.Must(markers.MakeDefinition("listMapKey", markers.DescribesType, ""))
	mapTypeFieldMarker    = markers.Must(markers.MakeDefinition("mapType", markers.DescribesField, ""))
	mapTypeTypeMarker     = markers.Must(markers.MakeDefinition("mapType", markers.DescribesType, ""))
	structTypeFieldMarker = markers.Must(markers.MakeDefinition("structType", markers.DescribesField, ""))
	structTypeTypeMarker  = markers.Must(markers.MakeDefinition("structType", markers.DescribesType, ""))

	objectRootMarker        = markers.Must(markers.MakeDefinition("kubebuilder:object:root", markers.DescribesType, false))
	statusSubresourceMarker = markers.Must(markers.MakeDefinition("kubebuilder:subresource:status", markers.DescribesType, struct{}{}))

	// client-gen's markers. Its sub-markers are registered too: a marker
	// +genclient:x=y that is not registered is looked up as +genclient with
	// the argument y, which +genclient does not take.
	genclientMarker              = markers.Must(markers.MakeDefinition("genclient", markers.DescribesType, struct{}{}))
	genclientNoStatusMarker      = markers.Must(markers.MakeDefinition("genclient:noStatus", markers.DescribesType, struct{}{}))
	genclientNonNamespacedMarker = markers.Must(markers.MakeDefinition("genclient:nonNamespaced", markers.DescribesType, struct{}{}))
	genclientNoVerbsMarker       = markers.Must(markers.MakeDefinition("genclient:noVerbs", markers.DescribesType, struct{}{}))
	genclientSkipVerbsMarker     = markers.Must(markers.MakeDefinition("genclient:skipVerbs", markers.DescribesType, markers.RawArguments(nil)))
	genclientOnlyVerbsMarker     = markers.Must(markers.MakeDefinition("genclient:onlyVerbs", markers.DescribesType, markers.RawArguments(nil)))
	genclientMethodMarker        = markers.Must(markers.MakeDefinition("genclient:method", markers.DescribesType, markers.RawArguments(nil)))
)

// Strategies are the values +conflict:merge accepts, with what they mean.
var Strategies = map[string]string{
	"ours":       "desired wins when both sides changed the field (the default)",
	"theirs":     "current (the server's) wins when both sides changed the field",
	"strict":     "a change on both sides is a conflict reported in a MergeError",
	"max":        "the larger of current and desired (integers, floats, strings, times, quantities)",
	"min":        "the smaller of current and desired (integers, floats, strings, times, quantities)",
	"atomic":     "the whole value is one leaf: no field-by-field merge inside it",
	"union":      "a set merge of a slice of comparable elements",
	"conditions": "merge by condition type with meta.SetStatusCondition semantics",
}

// markerHelp is the reference the CLI prints, one marker per line.
var markerHelp = []struct{ marker, help string }{
	{"+conflict:generate=<bool>", "on a package (doc.go or groupversion_info.go): false opts the package out; on a type: overrides the package"},
	{"+conflict:observedGeneration=<Go field path>", "on a kind: the int64 field that records the observed generation (default Status.ObservedGeneration)"},
	{"+conflict:merge=<strategy>", "on a field or a type definition: how a three-way merge resolves a change made on both sides"},
}

// knownConflictMarkers are the names after "+conflict:".
var knownConflictMarkers = map[string]bool{"generate": true, "observedGeneration": true, "merge": true}

func newRegistry() (*markers.Registry, error) {
	reg := &markers.Registry{}
	err := markers.RegisterAll(reg,
		generatePackageMarker, generateTypeMarker, observedGenMarker, mergeFieldMarker, mergeTypeMarker,
		objectRootMarker, statusSubresourceMarker,
		listTypeFieldMarker, listTypeTypeMarker, listMapKeyFieldMarker, listMapKeyTypeMarker,
		mapTypeFieldMarker, mapTypeTypeMarker, structTypeFieldMarker, structTypeTypeMarker,
		genclientMarker, genclientNoStatusMarker, genclientNonNamespacedMarker, genclientNoVerbsMarker, genclientSkipVerbsMarker, genclientOnlyVerbsMarker, genclientMethodMarker)
	return reg, err
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
			if !knownConflictMarkers[name] {
				errs.add(at, "unknown marker +conflict:%s (known: %s)", name, strings.Join(sortedKeys(knownConflictMarkers), ", "))
				continue
			}
			if name == "merge" {
				value = strings.Trim(strings.TrimSpace(value), `"`)
				switch {
				case !hasValue || value == "":
					// controller-tools reports a missing argument at
					// the same line; this says which one.
					errs.addInstead(at, "+conflict:merge needs a strategy, as +conflict:merge=<strategy> (known: %s)", strings.Join(sortedKeys(Strategies), ", "))
				case Strategies[value] == "":
					errs.add(at, "unknown merge strategy %q in +conflict:merge (known: %s)", value, strings.Join(sortedKeys(Strategies), ", "))
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MarkerHelp returns the marker reference as text.
func MarkerHelp() string {
	var b strings.Builder
	for _, m := range markerHelp {
		fmt.Fprintf(&b, "  %s\n      %s\n", m.marker, m.help)
	}
	b.WriteString("  strategies:\n")
	for _, s := range sortedKeys(Strategies) {
		fmt.Fprintf(&b, "      %-10s %s\n", s, Strategies[s])
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
