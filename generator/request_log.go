package generator

import (
	"go/types"
	"reflect"
	"strings"

	"sigs.k8s.io/controller-tools/pkg/loader"
	"sigs.k8s.io/controller-tools/pkg/markers"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// This file reads +conflict:requestLog, the status field in which a kind
// keeps the request IDs of its status writes: a write through /status
// stores nothing but the status, so the annotation that keeps the IDs of
// the other writes cannot keep these. The field must be one such a write
// stores and the API server keeps: under Status, serialized, and reached
// without a pointer, so that reading the log of an object never has to
// allocate in it. It is a []string, one "<id>@<unix seconds>" entry per
// item: a plain array of strings in the CRD's schema, readable with
// kubectl, and the type the runtime's accessor returns a pointer to, so
// that the generated accessor is checked by the compiler.

// buildRequestLog sets kind.RequestLog from the marker of info, the
// declaration of the kind's type t, reporting at the marker's line what is
// wrong with it.
func buildRequestLog(root *loader.Package, info *markers.TypeInfo, t types.Type, kind *model.Kind, errs *errorList) {
	values := info.Markers[requestLogMarker.Name]
	if len(values) == 0 {
		return
	}
	at := markerPosition(root, info.RawSpec, requestLogMarker.Name)
	if len(values) > 1 {
		errs.add(at, "type %s: +conflict:requestLog is given %d times: a kind keeps one status request log", info.Name, len(values))
		return
	}
	value, _ := values[0].(string)
	fail := func(format string, args ...any) {
		errs.add(at, "type %s: +conflict:requestLog=%s: "+format, append([]any{info.Name, value}, args...)...)
	}
	if !kind.StatusSubresource {
		fail("%s has no status subresource (+kubebuilder:subresource:status): its status is written through the main resource, whose writes keep their request IDs in an annotation", info.Name)
		return
	}
	path, typ, msg := resolvePath(root.Types, t, value)
	if msg != "" {
		fail("%s", msg)
		return
	}
	if path[0].Name != "Status" {
		fail("the field is not under Status: a write through /status stores only the status")
		return
	}
	jsonPath, msg := serializedPath(root.Types, t, path)
	switch {
	case msg != "":
		fail("%s", msg)
	case !isStringSlice(typ):
		fail("the field is %s, not []string", typeString(typ))
	default:
		kind.RequestLog = &model.RequestLog{Path: path, JSONPath: jsonPath, Pos: at}
	}
}

// serializedPath returns the JSON path of a resolved field path from t,
// through the embedded structs it is promoted from, or a message saying
// why the API server would not keep the field: a field on the way is left
// out of JSON, or is a pointer.
func serializedPath(pkg *types.Package, t types.Type, path model.FieldPath) (string, string) {
	var names []string
	for _, step := range path {
		_, index, _ := types.LookupFieldOrMethod(t, false, pkg, step.Name)
		for _, i := range index {
			st, ok := t.Underlying().(*types.Struct)
			if !ok {
				return "", "field " + step.Name + " is reached through a pointer, which may be nil"
			}
			f := st.Field(i)
			name, _, _ := strings.Cut(reflect.StructTag(st.Tag(i)).Get("json"), ",")
			switch {
			case name == "-":
				return "", "field " + f.Name() + " is left out of JSON (json:\"-\"), so the API server would not keep the log"
			case name != "":
				names = append(names, name)
			case !f.Embedded():
				names = append(names, f.Name())
			}
			t = f.Type()
			if _, ok := t.(*types.Pointer); ok {
				return "", "field " + f.Name() + " is a pointer, which may be nil: the log must be reachable without allocating"
			}
		}
	}
	return strings.Join(names, "."), ""
}

// isStringSlice reports whether t is []string, unnamed.
func isStringSlice(t types.Type) bool {
	s, ok := t.(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().(*types.Basic)
	return ok && b.Kind() == types.String
}
