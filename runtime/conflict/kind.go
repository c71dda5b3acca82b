package conflict

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Kind describes the kind a generated helper works on: its group and kind,
// for errors, logs and metric labels, and whether it has a status
// subresource, which decides what each write can change.
type Kind struct {
	schema.GroupKind
	// StatusSubresource is set when the kind serves a status subresource:
	// the API server then ignores status in a write of the main resource
	// and everything but status in a write of /status.
	StatusSubresource bool
	// StatusRequestLog, when set, returns the field of obj's status that
	// keeps the request IDs of its writes through /status ([WithRequestID]):
	// those writes do not store metadata, where the other writes keep
	// theirs. The generator sets it from the kind's +conflict:requestLog
	// marker. Without it, a status write with a request ID fails at once.
	StatusRequestLog func(obj client.Object) *[]string
	// Apply is the kind's schema for server-side apply ([Apply],
	// [ApplyStatus]); nil where the generator emitted none.
	Apply *ApplyType
}

// unwritable returns the JSON paths of the fields that mutate changed from
// before to after but that a write by op does not store, so that the
// helper can refuse the change instead of reporting success for what the
// API server would drop: status through the main resource of a kind with
// a status subresource; spec, metadata and everything else through
// /status.
func (k Kind) unwritable(op Operation, before, after any) []string {
	b, a := reflect.ValueOf(before).Elem(), reflect.ValueOf(after).Elem()
	if b.Kind() != reflect.Struct {
		return nil
	}
	status, ok := b.Type().FieldByName("Status")
	if !ok {
		return nil
	}
	switch {
	case op.throughStatus():
		return changedFields(b, a, "", status.Index[0])
	case k.StatusSubresource:
		if !semantic.DeepEqual(b.Field(status.Index[0]).Interface(), a.Field(status.Index[0]).Interface()) {
			return []string{jsonName(status)}
		}
	}
	return nil
}

// changedFields lists the fields of struct values b and a that differ,
// by JSON path under prefix, except field skip (-1 for none). Inlined
// structs (TypeMeta) are left out: the client fills them in. Object
// metadata is listed field by field.
func changedFields(b, a reflect.Value, prefix string, skip int) []string {
	var out []string
	for i := range b.NumField() {
		f := b.Type().Field(i)
		if i == skip || !f.IsExported() || strings.Contains(f.Tag.Get("json"), ",inline") {
			continue
		}
		x, y := b.Field(i), a.Field(i)
		if semantic.DeepEqual(x.Interface(), y.Interface()) {
			continue
		}
		name := prefix + jsonName(f)
		if name == "metadata" && x.Kind() == reflect.Struct {
			out = append(out, changedFields(x, y, "metadata.", -1)...)
			continue
		}
		out = append(out, name)
	}
	return out
}

// jsonName is the field's name in JSON.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}
