package generator

import (
	"go/ast"
	"go/types"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/controller-tools/pkg/loader"
	"sigs.k8s.io/controller-tools/pkg/markers"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

const metav1Path = "k8s.io/apimachinery/pkg/apis/meta/v1"

// build turns the loaded packages into the model, checking every marker.
// Problems are collected over all packages and returned together. Packages
// that generate nothing are returned apart, with the reason.
func build(l *loaded, out outputLayout, sel *kindSelection) ([]*model.Package, []emptyPackage, error) {
	var errs errorList
	var pkgs []*model.Package
	var empty []emptyPackage
	for _, root := range l.roots {
		pkg, why := buildPackage(l, root, out, sel, &errs)
		switch {
		case pkg == nil:
		case len(pkg.Kinds) > 0:
			pkgs = append(pkgs, pkg)
		default:
			empty = append(empty, emptyPackage{path: pkg.Path, output: pkg.Output, why: why})
		}
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Path < pkgs[j].Path })
	sort.Slice(empty, func(i, j int) bool { return empty[i].path < empty[j].path })
	checkOutputs(pkgs, &errs)
	sel.check(&errs)
	return pkgs, empty, errs.err()
}

// emptyPackage is a package that generates nothing.
type emptyPackage struct {
	path string
	// output is where its file would go: a file of ours found there is
	// left over from before and goes.
	output model.Output
	// why says why nothing is generated.
	why string
}

// buildPackage returns the model of one package, or nil when it has
// errors. A package without kinds comes with the reason.
func buildPackage(l *loaded, root *loader.Package, out outputLayout, sel *kindSelection, errs *errorList) (*model.Package, string) {
	if !l.check(root, errs) {
		return nil, ""
	}
	fset := root.Fset
	at := func(n ast.Node) (string, int) {
		p := fset.Position(n.Pos())
		return p.Filename, p.Line
	}
	for _, file := range root.Syntax {
		checkConflictMarkers(file, at, errs)
	}

	pkgMarkers, err := markers.PackageMarkers(l.collector, root)
	if err != nil {
		errs.addLoaderError(root, err)
		return nil, ""
	}
	pkgEnabled := true
	if v := pkgMarkers.Get(generatePackageMarker.Name); v != nil {
		pkgEnabled = v.(bool)
	}
	pkg := &model.Package{Path: root.PkgPath, Name: root.Name, Group: groupName(root.Syntax, root.Types)}
	pkg.Output = out.outputFor(root, pkg.Group)

	optedOut := 0
	err = markers.EachType(l.collector, root, func(info *markers.TypeInfo) {
		kind, off := buildKind(root, info, pkgEnabled, errs)
		if kind != nil {
			pkg.Kinds = append(pkg.Kinds, kind)
		}
		if off {
			optedOut++
		}
	})
	if err != nil {
		errs.addLoaderError(root, err)
		return nil, ""
	}
	sort.Slice(pkg.Kinds, func(i, j int) bool { return pkg.Kinds[i].Name < pkg.Kinds[j].Name })
	hadKinds := len(pkg.Kinds) > 0
	pkg.Kinds = sel.filter(pkg.Kinds)
	if len(pkg.Kinds) == 0 {
		switch {
		case hadKinds:
			return pkg, "none of its kinds is selected by --kinds"
		case optedOut > 0 && !pkgEnabled:
			return pkg, "the package opts out with +conflict:generate=false"
		case optedOut > 0:
			return pkg, "every kind opts out with +conflict:generate=false"
		}
		return pkg, "no kinds (no exported struct embeds metav1.TypeMeta and metav1.ObjectMeta or is marked +kubebuilder:object:root=true)"
	}
	merges := newMergeBuilder(l, root.PkgPath, errs)
	for _, kind := range pkg.Kinds {
		merges.kinds[root.Types.Scope().Lookup(kind.Name).(*types.TypeName)] = true
	}
	for _, kind := range pkg.Kinds {
		kind.Merge = merges.kindFor(root.Types.Scope().Lookup(kind.Name).Type().(*types.Named))
	}
	merges.finish(pkg)
	applies := newSchemaBuilder(merges, root.PkgPath)
	for _, kind := range pkg.Kinds {
		kind.ApplyType = applies.kind(root.Types.Scope().Lookup(kind.Name).Type().(*types.Named))
	}
	pkg.Apply = applies.finish()
	if pkg.Output.SamePackage {
		pkg.Reserved = map[string]bool{}
		for _, name := range root.Types.Scope().Names() {
			pkg.Reserved[name] = true
		}
		checkNameClashes(root, pkg, errs)
	}
	return pkg, ""
}

// buildKind returns the kind declared by info, or nil if info declares no
// kind that gets helpers; optedOut is set for a kind that
// +conflict:generate=false leaves out.
func buildKind(root *loader.Package, info *markers.TypeInfo, pkgEnabled bool, errs *errorList) (kind *model.Kind, optedOut bool) {
	pos := tokenPosition(root.Fset, info.RawSpec.Pos())
	enabled := pkgEnabled
	explicit := false
	if v := info.Markers.Get(generateTypeMarker.Name); v != nil {
		enabled, explicit = v.(bool), true
	}
	obj, _ := root.Types.Scope().Lookup(info.Name).(*types.TypeName)
	if obj == nil {
		return nil, false
	}
	named, _ := obj.Type().(*types.Named)
	st, _ := obj.Type().Underlying().(*types.Struct)
	isRoot, _ := info.Markers.Get(objectRootMarker.Name).(bool)
	structural := st != nil && embeds(st, "TypeMeta") && embeds(st, "ObjectMeta")
	isKind := (isRoot || structural) && st != nil && embeds(st, "ObjectMeta") &&
		named != nil && named.TypeParams().Len() == 0 && obj.Exported()
	if !isKind {
		if explicit && enabled {
			errs.add(markerPosition(root, info.RawSpec, generateTypeMarker.Name),
				"type %s: +conflict:generate=true, but %s is not a Kubernetes object kind (an exported struct that embeds metav1.TypeMeta and metav1.ObjectMeta)", info.Name, info.Name)
		}
		if info.Markers.Get(requestLogMarker.Name) != nil {
			errs.add(markerPosition(root, info.RawSpec, requestLogMarker.Name),
				"type %s: +conflict:requestLog goes on a kind, and %s is not a Kubernetes object kind (an exported struct that embeds metav1.TypeMeta and metav1.ObjectMeta)", info.Name, info.Name)
		}
		return nil, false
	}
	if !enabled {
		return nil, true
	}

	_, _, noStatusField := resolvePath(root.Types, obj.Type(), "Status")
	kind = &model.Kind{Name: info.Name, Pos: pos, StatusSubresource: hasStatusSubresource(info, noStatusField == "")}
	if v := info.Markers.Get(observedGenMarker.Name); v != nil {
		path, typ, msg := resolvePath(root.Types, obj.Type(), v.(string))
		at := markerPosition(root, info.RawSpec, observedGenMarker.Name)
		switch {
		case msg != "":
			errs.add(at, "type %s: +conflict:observedGeneration=%s: %s", info.Name, v, msg)
		case !isInt64(typ):
			errs.add(at, "type %s: +conflict:observedGeneration=%s: the field is %s, not int64", info.Name, v, typeString(typ))
		default:
			kind.ObservedGeneration = path
		}
	} else if path, typ, msg := resolvePath(root.Types, obj.Type(), "Status.ObservedGeneration"); msg == "" && isInt64(typ) {
		kind.ObservedGeneration = path
	}
	buildRequestLog(root, info, obj.Type(), kind, errs)
	if path, typ, msg := resolvePath(root.Types, obj.Type(), "Status.Conditions"); msg == "" {
		if isConditionSlice(typ) {
			kind.Conditions = path
		} else if cond := conditionShape(typ); cond != nil {
			kind.Conditions, kind.Condition = path, cond
		}
	}
	return kind, false
}

// hasStatusSubresource reads kubebuilder's and client-gen's markers. Like
// client-gen, it gives +genclient kinds a status subresource only when
// they have a Status field.
func hasStatusSubresource(info *markers.TypeInfo, hasStatusField bool) bool {
	if info.Markers.Get(statusSubresourceMarker.Name) != nil {
		return true
	}
	if !hasStatusField || info.Markers.Get(genclientMarker.Name) == nil || info.Markers.Get(genclientNoStatusMarker.Name) != nil {
		return false
	}
	for _, v := range info.Markers[genclientSkipVerbsMarker.Name] {
		if verbListHas(v, "updateStatus") {
			return false
		}
	}
	for _, v := range info.Markers[genclientOnlyVerbsMarker.Name] {
		if !verbListHas(v, "updateStatus") {
			return false
		}
	}
	return true
}

func verbListHas(raw any, verb string) bool {
	args, _ := raw.(markers.RawArguments)
	for _, v := range strings.Split(string(args), ",") {
		if strings.TrimSpace(v) == verb {
			return true
		}
	}
	return false
}

// embeds reports whether st embeds metav1's type name, by value.
func embeds(st *types.Struct, name string) bool {
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if !f.Embedded() {
			continue
		}
		if n, ok := f.Type().(*types.Named); ok && n.Obj().Name() == name && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == metav1Path {
			return true
		}
	}
	return false
}

// resolvePath follows a Go field path such as Status.ObservedGeneration
// from t, through embedded structs and pointers to structs. It returns the
// path, the type of its last field, or a message saying why it cannot be
// followed.
func resolvePath(pkg *types.Package, t types.Type, path string) (model.FieldPath, types.Type, string) {
	var out model.FieldPath
	for i, name := range strings.Split(path, ".") {
		if name == "" {
			return nil, nil, "the path has an empty field name"
		}
		if ptr, ok := t.Underlying().(*types.Pointer); ok && i > 0 {
			t = ptr.Elem()
		}
		if _, ok := t.Underlying().(*types.Struct); !ok {
			return nil, nil, "cannot select " + name + " from " + typeString(t) + ", which is not a struct"
		}
		found, index, indirect := types.LookupFieldOrMethod(t, false, pkg, name)
		field, ok := found.(*types.Var)
		if !ok || !field.IsField() {
			return nil, nil, "no field " + name + " in " + typeString(t)
		}
		if indirect && len(index) > 1 {
			return nil, nil, "field " + name + " is promoted through an embedded pointer, which may be nil"
		}
		if !field.Exported() && field.Pkg() != pkg {
			return nil, nil, "field " + name + " is not exported"
		}
		step := model.Field{Name: name}
		t = field.Type()
		if ptr, ok := t.(*types.Pointer); ok {
			named, isNamed := ptr.Elem().(*types.Named)
			if _, isStruct := ptr.Elem().Underlying().(*types.Struct); isStruct && isNamed {
				step.Pointer = &model.TypeRef{Path: named.Obj().Pkg().Path(), Name: named.Obj().Name()}
			}
		}
		out = append(out, step)
	}
	return out, t, ""
}

func isInt64(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Kind() == types.Int64
}

func isConditionSlice(t types.Type) bool {
	s, ok := t.(*types.Slice)
	if !ok {
		return false
	}
	n, ok := s.Elem().(*types.Named)
	return ok && n.Obj().Name() == "Condition" && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == metav1Path
}

// conditionShape returns the element type of a list of conditions that
// are not metav1.Conditions but have their shape, or nil. Condition types
// whose time is not a metav1.Time (a pointer, Knative's VolatileTime) are
// left out: "no time" and "now" would need rules of their own.
func conditionShape(t types.Type) *model.ConditionType {
	s, ok := t.Underlying().(*types.Slice)
	if !ok {
		return nil
	}
	named, ok := s.Elem().(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.TypeArgs().Len() > 0 {
		return nil
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	stringLike := func(t types.Type) bool {
		b, ok := t.Underlying().(*types.Basic)
		return ok && b.Kind() == types.String
	}
	need := map[string]bool{"Type": false, "Status": false, "Reason": false, "Message": false, "LastTransitionTime": false}
	cond := &model.ConditionType{Type: model.TypeRef{Path: named.Obj().Pkg().Path(), Name: named.Obj().Name()}}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if !f.Exported() {
			return nil // compared and copied whole: no state of its own
		}
		switch f.Name() {
		case "Type", "Status", "Reason", "Message":
			need[f.Name()] = stringLike(f.Type())
		case "LastTransitionTime":
			need[f.Name()] = isMeta(f.Type(), "Time")
		case "ObservedGeneration":
			cond.ObservedGeneration = isInt64(f.Type())
		}
	}
	for _, ok := range need {
		if !ok {
			return nil
		}
	}
	return cond
}

// checkNameClashes reports declarations of the API package that the
// generated file would declare again.
func checkNameClashes(root *loader.Package, pkg *model.Package, errs *errorList) {
	clash := func(name, thing, what string) {
		if obj := root.Types.Scope().Lookup(name); obj != nil {
			errs.add(tokenPosition(root.Fset, obj.Pos()),
				"%s is declared here, and conflict-gen generates %s of that name %s: rename it, or generate into a separate package (--output-dir)", name, thing, what)
		}
	}
	for _, kind := range pkg.Kinds {
		for _, name := range kind.Declared() {
			clash(name, "a function", "for kind "+kind.Name)
		}
		clash(kind.KindVar(), "a variable", "for kind "+kind.Name)
	}
	for _, s := range pkg.MergeStructs {
		clash(s.Func, "a function", "to merge "+s.Type.Name)
	}
	for _, k := range pkg.MergeKeys {
		clash(k.Func, "a function", "to key "+k.Elem.Name)
	}
	clash(model.ApplySchemaConst, "a constant", "to hold the server-side apply schema")
}

// checkOutputs reports two packages whose files would land in one place.
func checkOutputs(pkgs []*model.Package, errs *errorList) {
	seen := map[string]*model.Package{}
	for _, p := range pkgs {
		file := filepath.Join(p.Output.Dir, p.Output.File)
		if other, ok := seen[file]; ok {
			errs.add(model.Position{}, "packages %s (group %q) and %s (group %q) would both be generated into %s (--output-dir puts each package at DIR/<group's first DNS label>/<version>): generate them in separate runs, each with its own --output-dir",
				other.Path, other.Group, p.Path, p.Group, relative(file))
		}
		seen[file] = p
	}
}
