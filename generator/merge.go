package generator

import (
	"fmt"
	"go/ast"
	"go/types"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/controller-tools/pkg/loader"
	"sigs.k8s.io/controller-tools/pkg/markers"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// Types the merge treats specially, by package path and name.
const resourcePath = "k8s.io/apimachinery/pkg/api/resource"

// comparedTypes are merged through a runtime comparison: their equality is
// not Go's == (a time's location, a quantity's format) and they are
// ordered for max and min.
var comparedTypes = map[[2]string]string{
	{metav1Path, "Time"}:       "CompareTime",
	{metav1Path, "MicroTime"}:  "CompareMicroTime",
	{resourcePath, "Quantity"}: "CompareQuantity",
}

// mergeBuilder builds the merge model of one API package: for every kind,
// the tree of how each field merges, with one MergeStruct per struct type
// reached. It reads the topology markers (+listType, +listMapKey,
// +mapType, +structType, patchStrategy and patchMergeKey tags) and
// +conflict:merge, on fields and on type definitions, in whichever loaded
// package declares them.
type mergeBuilder struct {
	l       *loaded
	local   string // the API package's path
	errs    *errorList
	structs map[*types.TypeName]*model.MergeStruct
	keys    map[string]*model.MergeKey
	names   map[string]bool
	infos   map[string]map[string]*markers.TypeInfo
	// deepCopies caches, by package path, the types that have a
	// DeepCopyInto method.
	deepCopies map[string]map[string]bool
	// kinds are the package's kinds, and tops the merges that MergeX
	// calls on them: only there is their metadata the server's
	// (OpObjectMeta). A kind nested in a spec merges through structs,
	// where its metadata is user data, as a template's is.
	kinds map[*types.TypeName]bool
	tops  map[*types.TypeName]*model.MergeStruct
}

func newMergeBuilder(l *loaded, local string, errs *errorList) *mergeBuilder {
	return &mergeBuilder{l: l, local: local, errs: errs,
		structs: map[*types.TypeName]*model.MergeStruct{}, keys: map[string]*model.MergeKey{},
		names: map[string]bool{}, infos: map[string]map[string]*markers.TypeInfo{},
		deepCopies: map[string]map[string]bool{}, kinds: map[*types.TypeName]bool{},
		tops: map[*types.TypeName]*model.MergeStruct{}}
}

// finish stores the merge functions in pkg, sorted so that output is
// deterministic.
func (b *mergeBuilder) finish(pkg *model.Package) {
	for _, s := range b.structs {
		pkg.MergeStructs = append(pkg.MergeStructs, s)
	}
	for _, s := range b.tops {
		pkg.MergeStructs = append(pkg.MergeStructs, s)
	}
	sort.Slice(pkg.MergeStructs, func(i, j int) bool { return pkg.MergeStructs[i].Func < pkg.MergeStructs[j].Func })
	markSharing(pkg.MergeStructs)
	for _, k := range b.keys {
		pkg.MergeKeys = append(pkg.MergeKeys, k)
	}
	sort.Slice(pkg.MergeKeys, func(i, j int) bool { return pkg.MergeKeys[i].Func < pkg.MergeKeys[j].Func })
}

// typeInfo returns the declaration and markers of a named type, if its
// package was loaded.
func (b *mergeBuilder) typeInfo(obj *types.TypeName) *markers.TypeInfo {
	if obj.Pkg() == nil {
		return nil
	}
	path := obj.Pkg().Path()
	byName, ok := b.infos[path]
	if !ok {
		byName = map[string]*markers.TypeInfo{}
		b.infos[path] = byName
		if pkg := b.l.packageByPath(path); pkg != nil {
			err := markers.EachType(b.l.collector, pkg, func(info *markers.TypeInfo) { byName[info.Name] = info })
			if err != nil {
				b.errs.addLoaderError(pkg, err)
			}
		}
	}
	return byName[obj.Name()]
}

// fieldMarkers are the markers that decide how one field merges: the
// field's own, else its type definition's.
type fieldMarkers struct {
	strategy   marked
	listType   marked
	listKeys   []string
	keysAt     marked // where the +listMapKey markers are
	mapType    marked
	structType marked
	patch      string // patchStrategy tag
	patchKey   string // patchMergeKey tag
	field      marked // the field itself, for what no marker says
	// contradicted is set when a marker is given twice with different
	// values, which is reported: nothing else is said about the field.
	contradicted bool
}

// marked is a marker's value and where it is written, so that a problem
// with it is reported at its line.
type marked struct {
	value string
	pos   model.Position
	// on names what the marker is on: "field Foo of T" or "type T".
	on string
}

// set reports whether the marker was given.
func (m marked) set() bool { return m.on != "" }

// markerSource is one place markers are read from: a field or a type
// definition.
type markerSource struct {
	values markers.MarkerValues
	pkg    *loader.Package
	node   ast.Node
	on     string
}

// at is where the marker name of the source is written.
func (src markerSource) at(name, value string) marked {
	return marked{value: value, pos: markerPosition(src.pkg, src.node, name), on: src.on}
}

// kindFor returns the merge MergeX calls on a kind: its metadata is the
// server's.
func (b *mergeBuilder) kindFor(named *types.Named) *model.MergeStruct {
	obj := named.Obj()
	if s, ok := b.tops[obj]; ok {
		return s
	}
	s := &model.MergeStruct{Type: model.TypeRef{Path: obj.Pkg().Path(), Name: obj.Name()}}
	s.Func = b.uniqueName("conflictMerge" + b.typePrefix(obj) + obj.Name())
	b.tops[obj] = s
	b.fill(s, named, true)
	return s
}

// structFor returns the merge of a named struct type, building it on first
// use. Recursive types refer to their own function.
func (b *mergeBuilder) structFor(named *types.Named) *model.MergeStruct {
	obj := named.Obj()
	if s, ok := b.structs[obj]; ok {
		return s
	}
	s := &model.MergeStruct{Type: model.TypeRef{Path: obj.Pkg().Path(), Name: obj.Name()}}
	name := "conflictMerge" + b.typePrefix(obj) + obj.Name()
	if b.kinds[obj] {
		// The kind's own name is its top-level merge's.
		name = "conflictMergeNested" + b.typePrefix(obj) + obj.Name()
	}
	s.Func = b.uniqueName(name)
	b.structs[obj] = s
	b.fill(s, named, false)
	return s
}

// fill builds the fields of the merge of named; top is set for the
// top-level merge of a kind.
func (b *mergeBuilder) fill(s *model.MergeStruct, named *types.Named, top bool) {
	obj := named.Obj()
	st := named.Underlying().(*types.Struct)
	info := b.typeInfo(obj)
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		var fi *markers.FieldInfo
		if info != nil && i < len(info.Fields) {
			fi = &info.Fields[i]
		}
		s.Fields = append(s.Fields, b.field(obj, f, fi, top))
	}
	s.Condition = isConditionStruct(st)
	s.InPlace = holdsLock(named)
}

func (b *mergeBuilder) field(owner *types.TypeName, f *types.Var, fi *markers.FieldInfo, top bool) *model.MergeField {
	out := &model.MergeField{GoName: f.Name(), Path: f.Name()}
	ms := fieldMarkers{field: marked{pos: tokenPosition(b.l.roots[0].Fset, f.Pos()), on: "field " + f.Name() + " of " + owner.Name()}}
	var tag reflect.StructTag
	if fi != nil {
		tag = fi.Tag
		ms.field.pos = tokenPosition(b.l.roots[0].Fset, fi.RawField.Pos())
		if pkg := b.l.packageByPath(owner.Pkg().Path()); pkg != nil {
			ms.read(markerSource{values: fi.Markers, pkg: pkg, node: fi.RawField, on: ms.field.on}, b.errs)
		}
	}
	if json, ok := tag.Lookup("json"); ok {
		name, opts, _ := strings.Cut(json, ",")
		switch {
		case name == "-":
			out.Op = model.OpCurrent
			b.setCopy(out, f.Type())
			return out
		case name == "" && (f.Embedded() || strings.Contains(opts, "inline")):
			out.Path = ""
		case name != "":
			out.Path = name
		}
	} else if f.Embedded() {
		out.Path = ""
	}
	if top && f.Embedded() && isMeta(f.Type(), "ObjectMeta") {
		// The kind's own metadata, whose identity and bookkeeping the
		// server manages. Metadata embedded in a spec (a pod template's,
		// or a kind's held in a spec) is the user's, and merges field by
		// field below.
		out.Op = model.OpObjectMeta
		return out
	}
	ms.patch, ms.patchKey = tag.Get("patchStrategy"), tag.Get("patchMergeKey")
	if named, ok := f.Type().(*types.Named); ok {
		if info := b.typeInfo(named.Obj()); info != nil {
			if pkg := b.l.packageByPath(named.Obj().Pkg().Path()); pkg != nil {
				// What the field leaves open.
				ms.read(markerSource{values: info.Markers, pkg: pkg, node: info.RawSpec, on: "type " + info.Name}, b.errs)
			}
		}
	}
	if ms.contradicted {
		b.atomic(out, f.Type())
		b.setCopy(out, f.Type())
		return out
	}
	b.fits(f.Type(), &ms)
	b.decide(out, f.Type(), &ms)
	b.setCopy(out, f.Type())
	b.inPlace(out, f.Type(), &ms)
	b.lockedElements(out, f.Type(), &ms)
	return out
}

// lockedElements reports the collections whose merge would copy elements
// that hold a lock by value: a set, which compares and copies them by
// assignment, and a map whose values have no DeepCopyInto method (map
// values are copied, never addressed).
func (b *mergeBuilder) lockedElements(out *model.MergeField, t types.Type, ms *fieldMarkers) {
	var elem types.Type
	switch u := t.Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Map:
		elem = u.Elem()
	default:
		return
	}
	lock := lockIn(elem)
	if lock == "" {
		return
	}
	switch {
	case out.Op == model.OpSet:
		at := ms.or(ms.listType)
		if ms.strategy.set() {
			at = ms.strategy
		}
		b.errs.add(at.pos, "%s: a set copies its elements by value, and %s holds a lock (%s), which must not be copied", at.on, typeString(elem), lock)
	case out.Op == model.OpMapAtomic && out.Copy != model.CopyMapDeep && out.Copy != model.CopyDeep:
		b.errs.add(ms.field.pos, "%s: %s holds a lock (%s), which must not be copied, and has no DeepCopyInto method to copy the map's values with", ms.field.on, typeString(elem), lock)
	}
}

// fits reports the topology markers that do not fit the field's type,
// and forgets them: +listType and +listMapKey are for lists (slices and
// arrays), +mapType for maps, +structType for structs and pointers to
// them.
func (b *mergeBuilder) fits(t types.Type, ms *fieldMarkers) {
	u := t.Underlying()
	_, slice := u.(*types.Slice)
	_, array := u.(*types.Array)
	_, isMap := u.(*types.Map)
	_, isStruct := u.(*types.Struct)
	if p, ok := u.(*types.Pointer); ok {
		_, isStruct = p.Elem().Underlying().(*types.Struct)
	}
	misfit := func(m *marked, name, needs string, fits bool) {
		if m.set() && !fits {
			b.errs.add(m.pos, "%s: +%s=%s needs %s, not %s", m.on, name, m.value, needs, typeString(t))
			*m = marked{}
		}
	}
	misfit(&ms.listType, "listType", "a list", slice || array)
	misfit(&ms.mapType, "mapType", "a map", isMap)
	misfit(&ms.structType, "structType", "a struct", isStruct)
	if len(ms.listKeys) > 0 && !slice && !array {
		b.errs.add(ms.keysAt.pos, "%s: +listMapKey needs a list, not %s", ms.keysAt.on, typeString(t))
		ms.listKeys, ms.keysAt = nil, marked{}
	}
}

// inPlace marks a field whose value holds a lock: it is merged through
// pointers into the output, never assigned. Taken whole, it is copied
// with its DeepCopyInto method, which it must have.
func (b *mergeBuilder) inPlace(out *model.MergeField, t types.Type, ms *fieldMarkers) {
	lock := lockIn(t)
	if lock == "" {
		return
	}
	out.InPlace = true
	switch out.Op {
	case model.OpStruct:
	case model.OpCurrent, model.OpAtomic:
		out.Copy = model.CopyDeep
		if b.hasDeepCopyInto(t) {
			return
		}
		if a, ok := t.Underlying().(*types.Array); ok {
			if b.hasDeepCopyInto(a.Elem()) {
				out.ByElement = true
				return
			}
			b.errs.add(ms.field.pos, "%s: %s holds a lock (%s), which must not be copied: an array of it is copied element by element with the element's DeepCopyInto method, and %s has none", ms.field.on, typeString(t), lock, typeString(a.Elem()))
			return
		}
		b.errs.add(ms.field.pos, "%s: %s holds a lock (%s), which must not be copied, and has no DeepCopyInto method to copy it with", ms.field.on, typeString(t), lock)
	default:
		b.errs.add(ms.or(ms.strategy).pos, "%s: %s holds a lock (%s), which must not be copied: it can only merge field by field or whole (+conflict:merge=atomic)", ms.or(ms.strategy).on, typeString(t), lock)
	}
}

// read takes the markers of a field, then of its type definition: values
// already set win.
func (ms *fieldMarkers) read(src markerSource, errs *errorList) {
	var strategies []string
	for _, v := range src.values[mergeFieldMarker.Name] {
		if s := v.(string); !contains(strategies, s) {
			strategies = append(strategies, s)
		}
	}
	if len(strategies) > 1 {
		at := src.at(mergeFieldMarker.Name, "")
		errs.add(at.pos, "%s: +conflict:merge=%s", at.on, strings.Join(strategies, " contradicts +conflict:merge="))
	}
	if len(strategies) > 0 && !ms.strategy.set() {
		ms.strategy = src.at(mergeFieldMarker.Name, strategies[0])
	}
	str := func(name string, into *marked) {
		var values []string
		for _, v := range src.values[name] {
			if v, ok := v.(string); ok && !contains(values, v) {
				values = append(values, v)
			}
		}
		if len(values) > 1 {
			at := src.at(name, "")
			errs.add(at.pos, "%s: +%s=%s", at.on, name, strings.Join(values, " contradicts +"+name+"="))
			ms.contradicted = true
		}
		if len(values) > 0 && !into.set() {
			*into = src.at(name, values[0])
		}
	}
	str(listTypeFieldMarker.Name, &ms.listType)
	str(mapTypeFieldMarker.Name, &ms.mapType)
	str(structTypeFieldMarker.Name, &ms.structType)
	if len(ms.listKeys) == 0 {
		for _, v := range src.values[listMapKeyFieldMarker.Name] {
			ms.listKeys = append(ms.listKeys, v.(string))
		}
		if len(ms.listKeys) > 0 {
			ms.keysAt = src.at(listMapKeyFieldMarker.Name, strings.Join(ms.listKeys, ","))
		}
	}
}

// or is m when the marker was given, else the field: where a problem that
// m would explain is reported.
func (ms *fieldMarkers) or(m marked) marked {
	if m.set() {
		return m
	}
	return ms.field
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decide sets out.Op (and what goes with it) for a value of type t.
func (b *mergeBuilder) decide(out *model.MergeField, t types.Type, ms *fieldMarkers) {
	fail := func(at marked, format string, args ...any) {
		b.errs.add(at.pos, "%s: "+format, append([]any{at.on}, args...)...)
		out.Op = model.OpAtomic
	}
	strategy := model.NoStrategy
	if ms.strategy.set() {
		var known bool
		if strategy, known = model.ParseStrategy(ms.strategy.value); !known {
			// The message checkConflictMarkers gives for the API
			// packages' own files; this finds it in other packages.
			b.errs.add(ms.strategy.pos, "%s", unknownStrategy(ms.strategy.value))
			out.Op = model.OpAtomic
			return
		}
	}
	if strategy != model.NoStrategy && strategy.Runtime() != "" {
		out.Strategy = strategy
	}
	ordering := strategy.Ordering()

	if isMeta(t, "TypeMeta") {
		out.Op = model.OpCurrent
		return
	}
	if cmp, ok := comparedType(t); ok {
		out.Op, out.Compare = model.OpCompared, cmp
		return
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		if cmp, ok := comparedType(p.Elem()); ok {
			out.Op, out.Compare = model.OpComparedPtr, cmp
			return
		}
	}
	if ordering && !isOrdered(t) {
		fail(ms.strategy, "+conflict:merge=%s needs an ordered type (%s), not %s", strategy, strategy.Fits(), typeString(t))
		return
	}
	switch strategy {
	case model.NoStrategy, model.Ours, model.Theirs, model.Strict, model.Max, model.Min, model.Conditions:
		// They decide changed leaves, or (conditions) how a list merges:
		// the type decides the rest, below.
	case model.Union:
		s, ok := t.Underlying().(*types.Slice)
		if !ok || !types.Comparable(s.Elem()) {
			fail(ms.strategy, "+conflict:merge=union needs a slice of comparable elements, not %s", typeString(t))
			return
		}
		if lt := ms.listType.value; lt == "map" || lt == "atomic" {
			fail(ms.strategy, "+conflict:merge=union contradicts +listType=%s", lt)
			return
		}
		out.Op = model.OpSet
		return
	case model.Atomic:
		switch {
		case ms.listType.value == "set" || ms.listType.value == "map":
			fail(ms.strategy, "+conflict:merge=atomic contradicts +listType=%s", ms.listType.value)
		case ms.mapType.value == "granular":
			fail(ms.strategy, "+conflict:merge=atomic contradicts +mapType=granular")
		case ms.structType.value == "granular":
			fail(ms.strategy, "+conflict:merge=atomic contradicts +structType=granular")
		default:
			b.atomic(out, t)
		}
		return
	default:
		panic(fmt.Sprintf("generator: strategy %s has no merge", strategy))
	}

	switch u := t.Underlying().(type) {
	case *types.Basic:
		if ordering {
			out.Op = model.OpOrdered
		} else {
			out.Op = model.OpLeaf
		}
	case *types.Pointer:
		elem := u.Elem()
		if _, basic := elem.Underlying().(*types.Basic); basic {
			if ordering {
				out.Op = model.OpOrderedPtr
			} else {
				out.Op = model.OpLeafPtr
			}
			return
		}
		if named, ok := b.mergeable(elem, ms); ok {
			out.Op, out.Struct = model.OpStructPtr, b.structFor(named)
			return
		}
		b.atomic(out, t)
	case *types.Struct:
		if named, ok := b.mergeable(t, ms); ok {
			out.Op, out.Struct = model.OpStruct, b.structFor(named)
			return
		}
		b.atomic(out, t)
	case *types.Slice:
		b.list(out, t, u, ms, fail)
	case *types.Map:
		switch mt := ms.mapType.value; {
		case mt == "atomic":
			b.atomic(out, t)
		case mt != "" && mt != "granular":
			fail(ms.mapType, "unknown +mapType=%s (atomic or granular)", mt)
		case isBasic(u.Elem()):
			out.Op = model.OpMap
		default:
			out.Op = model.OpMapAtomic
		}
	case *types.Array, *types.Interface:
		// An array is one value to the API server; what an interface
		// holds is known only at run time.
		b.atomic(out, t)
	case *types.Signature, *types.Chan:
		// JSON has no form for them: they are not API data, and keep
		// the server's object's, as fields tagged json:"-" do.
		out.Op = model.OpCurrent
	default:
		panic(fmt.Sprintf("generator: no merge for %s (%T)", typeString(t), u))
	}
}

// list decides a slice: atomic unless marked, as the API server treats
// lists of custom resources; conditions merge by type.
func (b *mergeBuilder) list(out *model.MergeField, t types.Type, u *types.Slice, ms *fieldMarkers, fail func(marked, string, ...any)) {
	listType := ms.listType.value
	keys := ms.listKeys
	keyMarker := "+listMapKey"
	if listType == "" && strings.Contains(ms.patch, "merge") {
		if ms.patchKey != "" {
			listType, keys, keyMarker = "map", []string{ms.patchKey}, "patchMergeKey"
		} else {
			listType = "set"
		}
	}
	strategy, _ := model.ParseStrategy(ms.strategy.value)
	if strategy == model.Conditions && (listType == "atomic" || listType == "set") {
		fail(ms.strategy, "+conflict:merge=conditions contradicts +listType=%s", listType)
		return
	}
	if isMetaCondition(u.Elem()) && listType == "set" && ms.listType.set() {
		fail(ms.listType, "+listType=set contradicts a list of metav1.Condition, which is a map keyed by type")
		return
	}
	if listType == "map" && ms.listType.set() && len(ms.listKeys) > 0 && ms.patchKey != "" && !contains(ms.listKeys, ms.patchKey) {
		fail(ms.keysAt, "+listMapKey=%s contradicts patchMergeKey:%q", strings.Join(ms.listKeys, " +listMapKey="), ms.patchKey)
		return
	}
	conditions := strategy == model.Conditions || (isMetaCondition(u.Elem()) && listType != "atomic" && listType != "set")
	if len(ms.listKeys) > 0 && listType != "map" && !conditions {
		fail(ms.keysAt, "+listMapKey needs +listType=map")
		return
	}
	if conditions {
		if len(ms.listKeys) > 0 && (len(ms.listKeys) != 1 || ms.listKeys[0] != "type") {
			what := "a list of metav1.Condition"
			if !isMetaCondition(u.Elem()) {
				what = "a list merged with +conflict:merge=conditions"
			}
			fail(ms.keysAt, "+listMapKey=%s contradicts the key of %s, which is always type", strings.Join(ms.listKeys, " +listMapKey="), what)
			return
		}
		listType, keys, keyMarker = "map", []string{"type"}, "+listMapKey"
	}
	switch listType {
	case "", "atomic":
		b.atomic(out, t)
	case "set":
		if !types.Comparable(u.Elem()) {
			fail(ms.or(ms.listType), "+listType=set needs comparable elements, not %s", typeString(u.Elem()))
			return
		}
		out.Op = model.OpSet
	case "map":
		named, ok := u.Elem().(*types.Named)
		if _, isStruct := u.Elem().Underlying().(*types.Struct); !ok || !isStruct || named.TypeArgs().Len() > 0 {
			fail(ms.or(ms.listType), "+listType=map needs elements that are named structs, not %s", typeString(u.Elem()))
			return
		}
		if len(keys) == 0 {
			fail(ms.or(ms.listType), "+listType=map needs +listMapKey")
			return
		}
		if holdsLock(named) {
			// Its elements must not be copied, and a list map copies
			// them: the list is one value, deep copied.
			b.atomic(out, t)
			return
		}
		key, msg := b.keyFor(named, keys, keyMarker)
		if msg != "" {
			fail(ms.or(ms.keysAt), "%s", msg)
			return
		}
		out.Op, out.Key = model.OpListMap, key
		if _, granular := b.mergeable(named, &fieldMarkers{}); granular {
			out.Struct = b.structFor(named)
		}
		if conditions && (out.Struct == nil || !out.Struct.Condition) {
			fail(ms.or(ms.strategy), "+conflict:merge=conditions needs a condition type (Type, Status and LastTransitionTime fields)")
		}
	default:
		fail(ms.listType, "unknown +listType=%s (atomic, set or map)", listType)
	}
}

func (b *mergeBuilder) atomic(out *model.MergeField, t types.Type) {
	// Go's == is the right equality only for basic values: a struct may
	// hold a time or a quantity, whose equality is semantic.
	switch u := t.Underlying().(type) {
	case *types.Basic:
		out.Op = model.OpLeaf
	case *types.Slice:
		if isBasic(u.Elem()) {
			out.Op = model.OpAtomicSlice
		} else {
			out.Op = model.OpAtomic
		}
	case *types.Pointer:
		if isBasic(u.Elem()) {
			out.Op = model.OpLeafPtr
		} else {
			out.Op = model.OpAtomic
		}
	default:
		out.Op = model.OpAtomic
	}
}

func isBasic(t types.Type) bool {
	_, ok := t.Underlying().(*types.Basic)
	return ok
}

// mergeable reports whether t is a struct merged field by field: a named,
// non-generic struct whose fields are all exported, that does not marshal
// itself to JSON (IntOrString, Duration and RawExtension are values, not
// objects), and that is not marked +structType=atomic.
func (b *mergeBuilder) mergeable(t types.Type, ms *fieldMarkers) (*types.Named, bool) {
	named, ok := t.(*types.Named)
	if !ok || named.TypeArgs().Len() > 0 || named.Obj().Pkg() == nil {
		return nil, false
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return nil, false
	}
	for i := 0; i < st.NumFields(); i++ {
		if !st.Field(i).Exported() {
			return nil, false
		}
	}
	if ms.structType.value == "atomic" {
		return nil, false
	}
	if info := b.typeInfo(named.Obj()); info != nil {
		if v, _ := info.Markers.Get(structTypeTypeMarker.Name).(string); v == "atomic" {
			return nil, false
		}
		if v, _ := info.Markers.Get(mergeTypeMarker.Name).(string); v == "atomic" {
			return nil, false
		}
	}
	if obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(named), true, named.Obj().Pkg(), "MarshalJSON"); obj != nil {
		return nil, false
	}
	return named, true
}

// keyFor returns the key function of a list map of named, by the JSON
// names of its key fields.
// marker is how the keys were given ("+listMapKey" or "patchMergeKey"),
// for messages.
func (b *mergeBuilder) keyFor(named *types.Named, keys []string, marker string) (*model.MergeKey, string) {
	var fields []model.KeyField
	var goNames []string
	for _, k := range keys {
		f, selector := b.fieldByJSONName(named, k)
		if f == nil {
			return nil, marker + "=" + k + " names no field of " + typeString(named)
		}
		basic, ok := f.Type().Underlying().(*types.Basic)
		kind := ""
		switch {
		case !ok:
		case basic.Info()&types.IsString != 0:
			kind = "string"
		case basic.Info()&types.IsUnsigned != 0:
			kind = "uint"
		case basic.Info()&types.IsInteger != 0:
			kind = "int"
		case basic.Info()&types.IsBoolean != 0:
			kind = "bool"
		}
		if kind == "" {
			return nil, marker + "=" + k + " must name a string, integer or boolean field of " + typeString(named) + ", not " + typeString(f.Type())
		}
		// A field promoted from an inline embedded struct is selected
		// through it: a field of the element with the same Go name hides
		// it from e.Name.
		fields = append(fields, model.KeyField{GoName: f.Name(), JSONName: k, Kind: kind, Selector: selector})
		goNames = append(goNames, f.Name())
	}
	id := named.Obj().Pkg().Path() + "." + named.Obj().Name() + "/" + strings.Join(keys, ",")
	if k, ok := b.keys[id]; ok {
		return k, ""
	}
	key := &model.MergeKey{
		Func:   b.uniqueName("conflictKey" + b.typePrefix(named.Obj()) + named.Obj().Name() + "By" + strings.Join(goNames, "")),
		Elem:   model.TypeRef{Path: named.Obj().Pkg().Path(), Name: named.Obj().Name()},
		Fields: fields,
	}
	if len(fields) == 1 {
		key.Name = fields[0].JSONName
	}
	b.keys[id] = key
	return key, ""
}

// fieldByJSONName finds the exported field of a struct that JSON calls
// name, looking into inline embedded structs as encoding/json does: a
// field of the struct itself wins over one promoted from an embedded
// struct. It returns the field and the Go selector path to it.
func (b *mergeBuilder) fieldByJSONName(named *types.Named, name string) (*types.Var, []string) {
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return nil, nil
	}
	info := b.typeInfo(named.Obj())
	var embedded []*types.Var
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if !f.Exported() {
			continue
		}
		jsonName := f.Name()
		if info != nil && i < len(info.Fields) {
			if tag, ok := info.Fields[i].Tag.Lookup("json"); ok {
				n, opts, _ := strings.Cut(tag, ",")
				if n == "-" && opts == "" {
					continue
				}
				if n != "" {
					jsonName = n
				} else if f.Embedded() || strings.Contains(opts, "inline") {
					jsonName = ""
				}
			} else if f.Embedded() {
				jsonName = ""
			}
		} else if f.Embedded() {
			jsonName = ""
		}
		if jsonName == "" && f.Embedded() {
			embedded = append(embedded, f)
			continue
		}
		if jsonName == name {
			return f, []string{f.Name()}
		}
	}
	for _, e := range embedded {
		inner, ok := e.Type().(*types.Named)
		if !ok {
			continue
		}
		if found, path := b.fieldByJSONName(inner, name); found != nil {
			return found, append([]string{e.Name()}, path...)
		}
	}
	return nil, nil
}

// typePrefix tells apart types of other packages in function names:
// Metav1 for k8s.io/apimachinery/pkg/apis/meta/v1, nothing for the API
// package's own types.
func (b *mergeBuilder) typePrefix(obj *types.TypeName) string {
	path := obj.Pkg().Path()
	if path == b.local {
		return ""
	}
	elems := strings.Split(path, "/")
	if len(elems) > 2 {
		elems = elems[len(elems)-2:]
	}
	p := packageName(strings.Join(elems, ""))
	return strings.ToUpper(p[:1]) + p[1:]
}

func (b *mergeBuilder) uniqueName(name string) string {
	candidate := name
	for i := 2; b.names[candidate]; i++ {
		candidate = name + strconv.Itoa(i)
	}
	b.names[candidate] = true
	return candidate
}

func isMeta(t types.Type, name string) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Name() == name && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == metav1Path
}

func isMetaCondition(t types.Type) bool { return isMeta(t, "Condition") }

func comparedType(t types.Type) (string, bool) {
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return "", false
	}
	cmp, ok := comparedTypes[[2]string{n.Obj().Pkg().Path(), n.Obj().Name()}]
	return cmp, ok
}

func isOrdered(t types.Type) bool {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if _, ok := comparedType(t); ok {
		return true
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsOrdered != 0
}

// isConditionStruct reports whether st has the fields of a condition.
func isConditionStruct(st *types.Struct) bool {
	var hasType, hasStatus, hasTransition bool
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		switch f.Name() {
		case "Type":
			hasType = true
		case "Status":
			hasStatus = types.Comparable(f.Type())
		case "LastTransitionTime":
			hasTransition = isMeta(f.Type(), "Time")
		}
	}
	return hasType && hasStatus && hasTransition
}

func typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}
