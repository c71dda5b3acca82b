package generator

import (
	"go/types"
	"reflect"
	"sort"
	"strconv"
	"strings"

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
}

func newMergeBuilder(l *loaded, local string, errs *errorList) *mergeBuilder {
	return &mergeBuilder{l: l, local: local, errs: errs,
		structs: map[*types.TypeName]*model.MergeStruct{}, keys: map[string]*model.MergeKey{},
		names: map[string]bool{}, infos: map[string]map[string]*markers.TypeInfo{},
		deepCopies: map[string]map[string]bool{}}
}

// finish stores the merge functions in pkg, sorted so that output is
// deterministic.
func (b *mergeBuilder) finish(pkg *model.Package) {
	for _, s := range b.structs {
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
	strategy   string
	listType   string
	listKeys   []string
	mapType    string
	structType string
	patch      string // patchStrategy tag
	patchKey   string // patchMergeKey tag
	pos        model.Position
	what       string // "field Spec.Foo of T", for messages
}

// structFor returns the merge of a named struct type, building it on first
// use. Recursive types refer to their own function.
func (b *mergeBuilder) structFor(named *types.Named) *model.MergeStruct {
	obj := named.Obj()
	if s, ok := b.structs[obj]; ok {
		return s
	}
	s := &model.MergeStruct{Type: model.TypeRef{Path: obj.Pkg().Path(), Name: obj.Name()}}
	s.Func = b.uniqueName("conflictMerge" + b.typePrefix(obj) + obj.Name())
	b.structs[obj] = s

	st := named.Underlying().(*types.Struct)
	info := b.typeInfo(obj)
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		var fi *markers.FieldInfo
		if info != nil && i < len(info.Fields) {
			fi = &info.Fields[i]
		}
		s.Fields = append(s.Fields, b.field(obj, f, fi))
	}
	s.Condition = isConditionStruct(st)
	return s
}

func (b *mergeBuilder) field(owner *types.TypeName, f *types.Var, fi *markers.FieldInfo) *model.MergeField {
	out := &model.MergeField{GoName: f.Name(), Path: f.Name()}
	ms := fieldMarkers{what: "field " + f.Name() + " of " + owner.Name()}
	var tag reflect.StructTag
	if fi != nil {
		tag = fi.Tag
		ms.pos = tokenPosition(b.l.roots[0].Fset, fi.RawField.Pos())
		ms.read(fi.Markers, b.errs)
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
	ms.patch, ms.patchKey = tag.Get("patchStrategy"), tag.Get("patchMergeKey")
	if named, ok := f.Type().(*types.Named); ok {
		if info := b.typeInfo(named.Obj()); info != nil {
			ms.read(info.Markers, b.errs) // what the field leaves open
		}
	}
	b.decide(out, f.Type(), &ms)
	b.setCopy(out, f.Type())
	return out
}

// read takes the markers of a field, then of its type definition: values
// already set win.
func (ms *fieldMarkers) read(mv markers.MarkerValues, errs *errorList) {
	var strategies []string
	for _, v := range mv[mergeFieldMarker.Name] {
		if s := v.(string); !contains(strategies, s) {
			strategies = append(strategies, s)
		}
	}
	if len(strategies) > 1 {
		errs.add(ms.pos, "conflicting markers on %s: +conflict:merge=%s", ms.what, strings.Join(strategies, " and +conflict:merge="))
	}
	if len(strategies) > 0 && ms.strategy == "" {
		ms.strategy = strategies[0]
	}
	str := func(name string, into *string) {
		if v, ok := mv.Get(name).(string); ok && *into == "" {
			*into = v
		}
	}
	str(listTypeFieldMarker.Name, &ms.listType)
	str(mapTypeFieldMarker.Name, &ms.mapType)
	str(structTypeFieldMarker.Name, &ms.structType)
	if len(ms.listKeys) == 0 {
		for _, v := range mv[listMapKeyFieldMarker.Name] {
			ms.listKeys = append(ms.listKeys, v.(string))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var leafStrategies = map[string]bool{"ours": true, "theirs": true, "strict": true, "max": true, "min": true}

// decide sets out.Op (and what goes with it) for a value of type t.
func (b *mergeBuilder) decide(out *model.MergeField, t types.Type, ms *fieldMarkers) {
	strategy := ms.strategy
	if leafStrategies[strategy] {
		out.Strategy = strategy
	}
	ordering := strategy == "max" || strategy == "min"
	fail := func(format string, args ...any) {
		b.errs.add(ms.pos, "%s: "+format, append([]any{ms.what}, args...)...)
		out.Op = model.OpAtomic
	}

	if isMeta(t, "TypeMeta") {
		out.Op = model.OpCurrent
		return
	}
	if isMeta(t, "ObjectMeta") {
		out.Op = model.OpObjectMeta
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
		fail("+conflict:merge=%s needs an ordered type (integer, float, string, metav1.Time, metav1.MicroTime, resource.Quantity, or a pointer to one), not %s", strategy, typeString(t))
		return
	}
	if strategy == "union" {
		s, ok := t.Underlying().(*types.Slice)
		if !ok || !types.Comparable(s.Elem()) {
			fail("+conflict:merge=union needs a slice of comparable elements, not %s", typeString(t))
			return
		}
		if ms.listType == "map" {
			fail("+conflict:merge=union conflicts with +listType=map")
			return
		}
		out.Op = model.OpSet
		return
	}
	if strategy == "atomic" {
		b.atomic(out, t)
		return
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
		switch {
		case ms.mapType == "atomic":
			b.atomic(out, t)
		case ms.mapType != "" && ms.mapType != "granular":
			fail("unknown +mapType=%s (atomic or granular)", ms.mapType)
		case isBasic(u.Elem()):
			out.Op = model.OpMap
		default:
			out.Op = model.OpMapAtomic
		}
	default:
		b.atomic(out, t)
	}
}

// list decides a slice: atomic unless marked, as the API server treats
// lists of custom resources; conditions merge by type.
func (b *mergeBuilder) list(out *model.MergeField, t types.Type, u *types.Slice, ms *fieldMarkers, fail func(string, ...any)) {
	listType := ms.listType
	keys := ms.listKeys
	if listType == "" && strings.Contains(ms.patch, "merge") {
		if ms.patchKey != "" {
			listType, keys = "map", []string{ms.patchKey}
		} else {
			listType = "set"
		}
	}
	conditions := ms.strategy == "conditions" || (isMetaCondition(u.Elem()) && listType != "atomic" && listType != "set")
	if ms.strategy == "conditions" && (listType == "atomic" || listType == "set") {
		fail("+conflict:merge=conditions conflicts with +listType=%s", listType)
		return
	}
	if conditions {
		listType, keys = "map", []string{"type"}
	}
	if len(ms.listKeys) > 0 && listType != "map" {
		fail("+listMapKey needs +listType=map")
		return
	}
	switch listType {
	case "", "atomic":
		b.atomic(out, t)
	case "set":
		if !types.Comparable(u.Elem()) {
			fail("+listType=set needs comparable elements, not %s", typeString(u.Elem()))
			return
		}
		out.Op = model.OpSet
	case "map":
		named, ok := u.Elem().(*types.Named)
		if _, isStruct := u.Elem().Underlying().(*types.Struct); !ok || !isStruct || named.TypeArgs().Len() > 0 {
			fail("+listType=map needs elements that are named structs, not %s", typeString(u.Elem()))
			return
		}
		if len(keys) == 0 {
			fail("+listType=map needs +listMapKey")
			return
		}
		key, msg := b.keyFor(named, keys)
		if msg != "" {
			fail("%s", msg)
			return
		}
		out.Op, out.Key = model.OpListMap, key
		if _, granular := b.mergeable(named, &fieldMarkers{}); granular {
			out.Struct = b.structFor(named)
		}
		if conditions && (out.Struct == nil || !out.Struct.Condition) {
			fail("+conflict:merge=conditions needs a condition type (Type, Status and LastTransitionTime fields)")
		}
	default:
		fail("unknown +listType=%s (atomic, set or map)", listType)
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
	if ms.structType == "atomic" {
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
func (b *mergeBuilder) keyFor(named *types.Named, keys []string) (*model.MergeKey, string) {
	var fields []model.KeyField
	var goNames []string
	for _, k := range keys {
		f := b.fieldByJSONName(named, k)
		if f == nil {
			return nil, "list map key " + k + " names no field of " + named.Obj().Name()
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
			return nil, "list map key " + k + " of " + named.Obj().Name() + " must be a string, integer or boolean field, not " + typeString(f.Type())
		}
		// Promoted fields of inline embedded structs are selected by
		// their own name.
		fields = append(fields, model.KeyField{GoName: f.Name(), JSONName: k, Kind: kind})
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
// name, looking into inline embedded structs as encoding/json does.
func (b *mergeBuilder) fieldByJSONName(named *types.Named, name string) *types.Var {
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	info := b.typeInfo(named.Obj())
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if !f.Exported() {
			continue
		}
		jsonName, opts := f.Name(), ""
		if info != nil && i < len(info.Fields) {
			if tag, ok := info.Fields[i].Tag.Lookup("json"); ok {
				n, o, _ := strings.Cut(tag, ",")
				opts = o
				if n != "" {
					jsonName = n
				} else if f.Embedded() || strings.Contains(opts, "inline") {
					jsonName = ""
				}
			}
		}
		if jsonName == "" && f.Embedded() {
			if inner, ok := f.Type().(*types.Named); ok {
				if found := b.fieldByJSONName(inner, name); found != nil {
					return found
				}
			}
			continue
		}
		if jsonName == name {
			return f
		}
	}
	return nil
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
