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

// Types whose JSON form the API server's schema gives by name rather than
// by their Go shape (they marshal themselves), with the scalar it gives
// them; the server's OpenAPI writes times and quantities as strings with a
// format, which structured-merge-diff takes as untyped.
var applyScalars = map[[2]string]string{
	{metav1Path, "Time"}:                                   model.ScalarUntyped,
	{metav1Path, "MicroTime"}:                              model.ScalarUntyped,
	{metav1Path, "Duration"}:                               model.ScalarString,
	{resourcePath, "Quantity"}:                             model.ScalarUntyped,
	{"k8s.io/apimachinery/pkg/util/intstr", "IntOrString"}: model.ScalarUntyped,
}

// rawExtension is taken whole in the server's own types, and keeps any
// object in a CRD.
var rawExtension = [2]string{"k8s.io/apimachinery/pkg/runtime", "RawExtension"}

// Types whose content is any JSON: the server keeps what they hold and
// merges its maps key by key.
var applyFreeForm = map[[2]string]bool{
	rawExtension:             true,
	{metav1Path, "FieldsV1"}: true,
	{"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1", "JSON"}: true,
}

// schemaBuilder builds the server-side apply schema of one API package
// (model.ApplySchema): one named type per struct type its kinds reach, as
// the API server describes the kind. It reads the same topology markers as
// the merge (mergeBuilder), which reports the problems with them, except in
// the structs the merge takes whole, where it reports them itself; where a
// marker is unusable the list is left atomic, the server's default.
//
// Two servers describe kinds: Kubernetes' own API servers serve the
// packages of k8s.io from schemas openapi-gen generated, which honour the
// patchStrategy and patchMergeKey tags; a CRD's schema is controller-gen's,
// which ignores them, describes a nested metav1.ObjectMeta and an empty
// struct as free-form objects, and keeps unknown fields where
// +kubebuilder:pruning:PreserveUnknownFields says. Every kind's metadata
// is the server's own ObjectMeta.
type schemaBuilder struct {
	m       *mergeBuilder
	builtin bool
	types   map[schemaKey]*model.ApplyNamedType
	names   map[string]bool
}

// schemaMode is how a type is described where it is reached.
type schemaMode struct {
	// builtin: by a Kubernetes API server's own schema.
	builtin bool
	// preserve: under a CRD node that keeps unknown fields.
	preserve bool
}

type schemaKey struct {
	obj  *types.TypeName
	mode schemaMode
	// top: a kind's root, which differs from the same type nested in a
	// spec by its metadata.
	top bool
}

// kubernetesPrefix starts the import paths of the Kubernetes project's
// own API packages, which its API servers serve.
const kubernetesPrefix = "k8s.io/"

func newSchemaBuilder(m *mergeBuilder, pkgPath string) *schemaBuilder {
	return &schemaBuilder{m: m, builtin: strings.HasPrefix(pkgPath, kubernetesPrefix),
		types: map[schemaKey]*model.ApplyNamedType{}, names: map[string]bool{}}
}

// kind returns the name of the root type of a kind.
func (s *schemaBuilder) kind(named *types.Named) string {
	return s.named(named, schemaMode{builtin: s.builtin}, true)
}

// finish returns the schema, its types sorted by name.
func (s *schemaBuilder) finish() *model.ApplySchema {
	out := &model.ApplySchema{}
	for _, t := range s.types {
		out.Types = append(out.Types, t)
	}
	if uses(out.Types, model.ApplyUntypedDeduced) {
		out.Types = append(out.Types, untypedTypes()...)
	}
	sort.Slice(out.Types, func(i, j int) bool { return out.Types[i].Name < out.Types[j].Name })
	return out
}

// named returns the name of the type describing the named struct type in
// mode, building it on first use; recursive types refer to themselves.
// top is set for a kind's root, whose metadata is the server's.
func (s *schemaBuilder) named(named *types.Named, mode schemaMode, top bool) string {
	key := schemaKey{obj: named.Obj(), mode: mode, top: top}
	if t, ok := s.types[key]; ok {
		return t.Name
	}
	t := &model.ApplyNamedType{Name: s.uniqueName(openAPIName(named.Obj()))}
	s.types[key] = t
	info := s.m.typeInfo(named.Obj())
	if info != nil && !mode.builtin && preservesUnknown(info.Markers) {
		mode.preserve = true
	}
	t.Atom = s.structAtom(named, mode, top)
	if info != nil {
		if v, _ := info.Markers.Get(structTypeTypeMarker.Name).(string); v == "atomic" {
			t.Atom.Map.Relationship = model.RelationAtomic
		}
	}
	return t.Name
}

// uniqueName is name, or name with a number when the same Go type is
// described twice (reached both as the server's own and in a CRD, or a
// kind nested in another's spec).
func (s *schemaBuilder) uniqueName(name string) string {
	candidate := name
	for i := 2; s.names[candidate]; i++ {
		candidate = name + "." + strconv.Itoa(i)
	}
	s.names[candidate] = true
	return candidate
}

// openAPIName is the name the API server's OpenAPI gives a Go type:
// k8s.io/api/core/v1.PodSpec is io.k8s.api.core.v1.PodSpec.
func openAPIName(obj *types.TypeName) string {
	parts := strings.Split(obj.Pkg().Path(), "/")
	domain := strings.Split(parts[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	parts[0] = strings.Join(domain, ".")
	return strings.Join(parts, ".") + "." + obj.Name()
}

// structAtom describes a struct: its JSON fields, with inline embedded
// structs flattened as encoding/json flattens them.
func (s *schemaBuilder) structAtom(named *types.Named, mode schemaMode, top bool) model.ApplyAtom {
	m := &model.ApplyMap{}
	s.fields(named, mode, top, m, map[string]bool{})
	if mode.preserve || len(m.Fields) == 0 {
		// An object without properties, or one of a CRD that keeps
		// unknown fields: the server deduces what they hold.
		m.Elem = &model.ApplyTypeRef{Named: model.ApplyUntypedDeduced}
	}
	return model.ApplyAtom{Map: m}
}

// fields appends the JSON fields of a struct to m in declaration order,
// with inline embedded structs flattened in their place. seen are the
// names of the fields of the structs that embed this one, which win over
// the fields it promotes, as in encoding/json.
func (s *schemaBuilder) fields(t types.Type, mode schemaMode, top bool, m *model.ApplyMap, seen map[string]bool) {
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return
	}
	var info *markers.TypeInfo
	named, _ := t.(*types.Named)
	if named != nil {
		info = s.m.typeInfo(named.Obj())
	}
	// The names this struct declares itself hide promoted ones.
	own := map[string]bool{}
	for k := range seen {
		own[k] = true
	}
	for i := 0; i < st.NumFields(); i++ {
		if name, _, inline := jsonField(st, i); !inline && name != "" {
			own[name] = true
		}
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		name, tag, inline := jsonField(st, i)
		if inline {
			et := f.Type()
			if p, ok := et.(*types.Pointer); ok {
				et = p.Elem()
			}
			if n, ok := et.(*types.Named); ok && !mode.builtin {
				// controller-gen flattens the embedded struct's schema,
				// its x-kubernetes-map-type included, into this one's.
				if info := s.m.typeInfo(n.Obj()); info != nil {
					if v, _ := info.Markers.Get(structTypeTypeMarker.Name).(string); v == "atomic" {
						m.Relationship = model.RelationAtomic
					}
				}
			}
			s.fields(et, mode, false, m, own)
			continue
		}
		if name == "" || seen[name] {
			continue
		}
		var fi *markers.FieldInfo
		if info != nil && i < len(info.Fields) {
			fi = &info.Fields[i]
		}
		ref, ok := s.field(named, f, fi, tag, mode, top)
		if !ok {
			continue
		}
		m.Fields = append(m.Fields, model.ApplyField{Name: name, Type: ref})
	}
}

// jsonField returns the JSON name of field i of st, or "" when JSON
// leaves it out, and inline for an embedded struct whose fields JSON
// flattens into st's.
func jsonField(st *types.Struct, i int) (name string, tag reflect.StructTag, inline bool) {
	f := st.Field(i)
	tag = reflect.StructTag(st.Tag(i))
	name, opts, _ := strings.Cut(tag.Get("json"), ",")
	if name == "-" && opts == "" {
		return "", tag, false
	}
	if name == "" && (f.Embedded() || strings.Contains(opts, "inline")) {
		et := f.Type()
		if p, ok := et.(*types.Pointer); ok {
			et = p.Elem()
		}
		if _, isStruct := et.Underlying().(*types.Struct); isStruct {
			return "", tag, true
		}
	}
	if !f.Exported() {
		return "", tag, false
	}
	if name == "" {
		name = f.Name()
	}
	return name, tag, false
}

// field describes one field's type; ok is false for a field JSON cannot
// encode (a func or chan), which the server never sees.
func (s *schemaBuilder) field(owner *types.Named, f *types.Var, fi *markers.FieldInfo, tag reflect.StructTag, mode schemaMode, top bool) (model.ApplyTypeRef, bool) {
	ms := fieldMarkers{}
	if fi != nil && owner != nil {
		ms.field = marked{pos: tokenPosition(s.m.l.roots[0].Fset, fi.RawField.Pos()), on: "field " + f.Name() + " of " + owner.Obj().Name()}
		if pkg := s.m.l.packageByPath(owner.Obj().Pkg().Path()); pkg != nil {
			ms.read(markerSource{values: fi.Markers, pkg: pkg, node: fi.RawField, on: ms.field.on}, s.m.errs)
			if !mode.builtin && preservesUnknown(fi.Markers) {
				mode.preserve = true
			}
		}
	}
	if mode.builtin {
		ms.patch, ms.patchKey = tag.Get("patchStrategy"), tag.Get("patchMergeKey")
	}
	t := f.Type()
	if top && isMeta(t, "ObjectMeta") {
		return model.ApplyTypeRef{Named: s.named(t.(*types.Named), schemaMode{builtin: true}, false)}, true
	}
	if ms.contradicted {
		ms = fieldMarkers{}
	}
	structType := ms.structType.value
	// The merge checks the markers of the structs it merges field by
	// field; those of a struct it takes whole are checked here.
	check := owner != nil && fi != nil && s.m.structs[owner.Obj()] == nil && s.m.tops[owner.Obj()] == nil
	return s.ref(t, &ms, mode, structType, check)
}

// typeMarkers reads the markers of a named type's definition into ms.
func (s *schemaBuilder) typeMarkers(t types.Type, ms *fieldMarkers) {
	named, ok := t.(*types.Named)
	if !ok {
		return
	}
	if info := s.m.typeInfo(named.Obj()); info != nil {
		if pkg := s.m.l.packageByPath(named.Obj().Pkg().Path()); pkg != nil {
			ms.read(markerSource{values: info.Markers, pkg: pkg, node: info.RawSpec, on: "type " + info.Name}, s.m.errs)
		}
	}
}

// ref describes a value of type t whose field (or type) markers are ms.
// structType is the field's own +structType, which overrides the type's
// (PersistentVolumeSpec's granular claimRef of the atomic
// ObjectReference), and check is set when the list markers are to be
// checked here.
func (s *schemaBuilder) ref(t types.Type, ms *fieldMarkers, mode schemaMode, structType string, check bool) (model.ApplyTypeRef, bool) {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	s.typeMarkers(t, ms)
	inline := func(a model.ApplyAtom) (model.ApplyTypeRef, bool) { return model.ApplyTypeRef{Inlined: a}, true }
	if named, ok := t.(*types.Named); ok && named.Obj().Pkg() != nil {
		id := [2]string{named.Obj().Pkg().Path(), named.Obj().Name()}
		if scalar, ok := applyScalars[id]; ok {
			return inline(model.ApplyAtom{Scalar: scalar})
		}
		if id == rawExtension && mode.builtin {
			// The server's OpenAPI converter takes a RawExtension of
			// its own types whole.
			return model.ApplyTypeRef{Named: model.ApplyUntypedAtomic}, true
		}
		if applyFreeForm[id] {
			return inline(model.ApplyAtom{Map: &model.ApplyMap{Elem: &model.ApplyTypeRef{Named: model.ApplyUntypedDeduced}}})
		}
		if isMeta(t, "ObjectMeta") && !mode.builtin {
			// controller-gen describes metadata nested in a spec as an
			// object without properties.
			return inline(model.ApplyAtom{Map: &model.ApplyMap{Elem: &model.ApplyTypeRef{Named: model.ApplyUntypedDeduced}}})
		}
		if _, isStruct := t.Underlying().(*types.Struct); isStruct {
			if obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(named), true, named.Obj().Pkg(), "MarshalJSON"); obj != nil {
				return model.ApplyTypeRef{Named: model.ApplyUntypedDeduced}, true
			}
			if named.TypeArgs().Len() == 0 {
				ref := model.ApplyTypeRef{Named: s.named(named, mode, false)}
				switch structType {
				case "atomic":
					ref.Relationship = model.RelationAtomic
				case "granular":
					ref.Relationship = model.RelationSeparable
				}
				return ref, true
			}
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return inline(model.ApplyAtom{Scalar: basicScalar(u)})
	case *types.Struct:
		m := &model.ApplyMap{}
		s.fields(u, mode, false, m, map[string]bool{})
		if structType == "atomic" {
			m.Relationship = model.RelationAtomic
		}
		return inline(model.ApplyAtom{Map: m})
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte {
			return inline(model.ApplyAtom{Scalar: model.ScalarString}) // base64
		}
		return s.list(u.Elem(), ms, mode, check)
	case *types.Array:
		elem, ok := s.ref(u.Elem(), &fieldMarkers{}, mode, "", false)
		if !ok {
			return elem, false
		}
		return inline(model.ApplyAtom{List: &model.ApplyList{Elem: elem, Relationship: model.RelationAtomic}})
	case *types.Map:
		elem, ok := s.ref(u.Elem(), &fieldMarkers{}, mode, "", false)
		if !ok {
			return elem, false
		}
		m := &model.ApplyMap{Elem: &elem}
		if ms.mapType.value == "atomic" {
			m.Relationship = model.RelationAtomic
		}
		return inline(model.ApplyAtom{Map: m})
	case *types.Interface:
		return model.ApplyTypeRef{Named: model.ApplyUntypedDeduced}, true
	default:
		// A func or a chan: JSON has no form for it.
		return model.ApplyTypeRef{}, false
	}
}

// list describes a list: atomic unless its markers (and, on the server's
// own types, its patch tags) make it a set or a map. A marker that is
// wrong leaves it atomic; with check set it is reported, in the merge's
// words, else the merge reports it.
func (s *schemaBuilder) list(elem types.Type, ms *fieldMarkers, mode schemaMode, check bool) (model.ApplyTypeRef, bool) {
	elemRef, ok := s.ref(elem, &fieldMarkers{}, mode, "", false)
	if !ok {
		return elemRef, false
	}
	l := &model.ApplyList{Elem: elemRef, Relationship: model.RelationAtomic}
	listType, keys := ms.listType.value, ms.listKeys
	if listType == "" && (ms.patch == "merge" || ms.patch == "merge,retainKeys") {
		listType, keys = "set", nil
		if ms.patchKey != "" {
			listType, keys = "map", []string{ms.patchKey}
		}
	}
	report := func(at marked, format string, args ...any) {
		if check {
			s.m.errs.add(at.pos, "%s: "+format, append([]any{at.on}, args...)...)
		}
	}
	switch listType {
	case "", "atomic":
	case "set":
		l.Relationship = model.RelationAssociative
	case "map":
		if len(keys) == 0 {
			report(ms.or(ms.listType), "+listType=map needs +listMapKey")
		} else if missing := s.missingKey(elem, keys); missing != "" {
			report(ms.or(ms.keysAt), "+listMapKey=%s names no field of %s", missing, typeString(elem))
		} else {
			l.Relationship, l.Keys = model.RelationAssociative, keys
		}
	default:
		report(ms.listType, "unknown +listType=%s (atomic, set or map)", listType)
	}
	return model.ApplyTypeRef{Inlined: model.ApplyAtom{List: l}}, true
}

// missingKey returns the first of a list map's keys that names no field
// of its elements, or "".
func (s *schemaBuilder) missingKey(elem types.Type, keys []string) string {
	if p, ok := elem.(*types.Pointer); ok {
		elem = p.Elem()
	}
	named, ok := elem.(*types.Named)
	for _, k := range keys {
		if !ok {
			return k
		}
		if f, _ := s.m.fieldByJSONName(named, k); f == nil {
			return k
		}
	}
	return ""
}

func basicScalar(b *types.Basic) string {
	switch {
	case b.Info()&types.IsString != 0:
		return model.ScalarString
	case b.Info()&types.IsBoolean != 0:
		return model.ScalarBoolean
	case b.Info()&types.IsNumeric != 0:
		return model.ScalarNumeric
	}
	return model.ScalarUntyped
}

// preservesUnknown reports whether markers keep unknown fields.
func preservesUnknown(values markers.MarkerValues) bool {
	return values.Get(preserveUnknownFieldsMarker.Name) != nil || values.Get(xPreserveUnknownFieldsMarker.Name) != nil
}

// untypedTypes are the definitions of the untyped types, as the API
// server's schemas define them: any value, whose maps merge key by key
// (deduced) or which is taken whole (atomic).
func untypedTypes() []*model.ApplyNamedType {
	anyValue := func(elem, mapRelation string) model.ApplyAtom {
		return model.ApplyAtom{
			Scalar: model.ScalarUntyped,
			List:   &model.ApplyList{Elem: model.ApplyTypeRef{Named: model.ApplyUntypedAtomic}, Relationship: model.RelationAtomic},
			Map:    &model.ApplyMap{Elem: &model.ApplyTypeRef{Named: elem}, Relationship: mapRelation},
		}
	}
	return []*model.ApplyNamedType{
		{Name: model.ApplyUntypedAtomic, Atom: anyValue(model.ApplyUntypedAtomic, model.RelationAtomic)},
		{Name: model.ApplyUntypedDeduced, Atom: anyValue(model.ApplyUntypedDeduced, model.RelationSeparable)},
	}
}

// uses reports whether one of defs refers to the named type name.
func uses(defs []*model.ApplyNamedType, name string) bool {
	var atom func(a model.ApplyAtom) bool
	ref := func(r model.ApplyTypeRef) bool { return r.Named == name || atom(r.Inlined) }
	atom = func(a model.ApplyAtom) bool {
		if a.List != nil && ref(a.List.Elem) {
			return true
		}
		if a.Map != nil {
			if a.Map.Elem != nil && ref(*a.Map.Elem) {
				return true
			}
			for _, f := range a.Map.Fields {
				if ref(f.Type) {
					return true
				}
			}
		}
		return false
	}
	for _, t := range defs {
		if atom(t.Atom) {
			return true
		}
	}
	return false
}
