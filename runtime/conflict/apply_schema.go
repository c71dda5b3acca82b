package conflict

import (
	"fmt"
	"maps"
	"reflect"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// This file turns a kind's schema and its objects into structured-merge-
// diff's typed values, the form in which server-side apply computes field
// sets: what an object holds, what a mutation changed, what to send.

// ApplyType is a kind's schema in structured-merge-diff's form, from
// which server-side apply computes the fields an apply owns: field names,
// list types and keys, maps and structs. The generator builds it from the
// Go types and their markers; the API server builds the same from the
// CRD's OpenAPI schema.
type ApplyType struct {
	schemaYAML, typeName string

	// The schema is parsed on first use, not at package init: a program
	// that imports a generated package pays nothing for kinds it never
	// applies (a large package's schema takes tens of milliseconds).
	once sync.Once
	typ  typed.ParseableType
	err  error
}

// Well-known types of k8s.io/apimachinery that a schema may refer to by
// these names without defining them: [NewApplyType] adds their
// definitions, which say what the API server's say (ownerReferences is a
// map keyed by uid, finalizers a set, an OwnerReference atomic).
const (
	ObjectMetaTypeName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
	ConditionTypeName  = "io.k8s.apimachinery.pkg.apis.meta.v1.Condition"
)

// wellKnownSchema defines the types named above. ObjectMeta holds only
// the fields an apply may set besides name and namespace, which the
// runtime sends itself: the others are the server's (resourceVersion,
// uid, managedFields and the rest) and are left out of every typed value.
const wellKnownSchema = `types:
- name: io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta
  map:
    fields:
    - name: labels
      type:
        map:
          elementType:
            scalar: string
    - name: annotations
      type:
        map:
          elementType:
            scalar: string
    - name: finalizers
      type:
        list:
          elementType:
            scalar: string
          elementRelationship: associative
    - name: ownerReferences
      type:
        list:
          elementType:
            namedType: io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference
          elementRelationship: associative
          keys:
          - uid
- name: io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference
  map:
    fields:
    - name: apiVersion
      type:
        scalar: string
    - name: kind
      type:
        scalar: string
    - name: name
      type:
        scalar: string
    - name: uid
      type:
        scalar: string
    - name: controller
      type:
        scalar: boolean
    - name: blockOwnerDeletion
      type:
        scalar: boolean
    elementRelationship: atomic
- name: io.k8s.apimachinery.pkg.apis.meta.v1.Condition
  map:
    fields:
    - name: type
      type:
        scalar: string
    - name: status
      type:
        scalar: string
    - name: observedGeneration
      type:
        scalar: numeric
    - name: lastTransitionTime
      type:
        scalar: string
    - name: reason
      type:
        scalar: string
    - name: message
      type:
        scalar: string
`

// wellKnown is wellKnownSchema parsed.
var wellKnown = func() *typed.Parser {
	p, err := typed.NewParser(typed.YAMLObject(wellKnownSchema))
	if err != nil {
		panic(fmt.Sprintf("conflict: the runtime's own schema does not parse: %v", err))
	}
	return p
}()

// NewApplyType returns the type typeName of schemaYAML, a
// structured-merge-diff schema (sigs.k8s.io/structured-merge-diff schema
// package, YAML). The type describes the whole object: apiVersion, kind,
// metadata (normally [ObjectMetaTypeName]), spec and status. It is called
// by generated code at package init with a schema the generator built.
// The schema is parsed when the type is first used, once per schema text
// (the kinds of a package share one); a schema that does not parse, or
// does not define typeName, fails every Apply and ApplyStatus of the kind
// with an error that says so, before any request.
func NewApplyType(schemaYAML, typeName string) *ApplyType {
	return &ApplyType{schemaYAML: schemaYAML, typeName: typeName}
}

// parsedSchemas holds every schema parsed so far, by its text.
var parsedSchemas sync.Map // string -> *parsedSchema

// parsedSchema is one schema text, parsed once.
type parsedSchema struct {
	once   sync.Once
	parser *typed.Parser
	err    error
}

// parseSchema parses schemaYAML with the well-known types it references
// and does not define added.
func parseSchema(schemaYAML string) (*typed.Parser, error) {
	p, err := typed.NewParser(typed.YAMLObject(schemaYAML))
	if err != nil {
		return nil, err
	}
	defined := map[string]bool{}
	for _, name := range p.TypeNames() {
		defined[name] = true
	}
	for _, t := range wellKnown.Schema.Types {
		if !defined[t.Name] {
			p.Schema.Types = append(p.Schema.Types, t)
		}
	}
	return p, nil
}

// resolve returns the parsed type, parsing its schema on first use.
func (a *ApplyType) resolve() (typed.ParseableType, error) {
	a.once.Do(func() {
		v, _ := parsedSchemas.LoadOrStore(a.schemaYAML, &parsedSchema{})
		ps := v.(*parsedSchema)
		ps.once.Do(func() { ps.parser, ps.err = parseSchema(a.schemaYAML) })
		if ps.err != nil {
			a.err = fmt.Errorf("the apply schema of %s does not parse: %w", a.typeName, ps.err)
			return
		}
		if a.typ = ps.parser.Type(a.typeName); !a.typ.IsValid() {
			a.err = fmt.Errorf("the apply schema does not define %q", a.typeName)
		}
	})
	return a.typ, a.err
}

// applyMetadata are the metadata fields an apply may set besides name and
// namespace; the typed value of an object holds these and no others.
var applyMetadata = []string{"labels", "annotations", "finalizers", "ownerReferences"}

// typedValue is obj as a typed value of the kind's schema, without
// apiVersion, kind, name, namespace and the metadata the server keeps.
func (a *ApplyType) typedValue(obj runtime.Object) (*typed.TypedValue, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(withoutManagedFields(obj))
	if err != nil {
		return nil, err
	}
	// The converter gives an Unstructured's own map: the keys dropped
	// below must be dropped from a copy.
	u = maps.Clone(u)
	delete(u, "apiVersion")
	delete(u, "kind")
	if meta, ok := u["metadata"].(map[string]any); ok {
		kept := map[string]any{}
		for _, name := range applyMetadata {
			if v, ok := meta[name]; ok && v != nil {
				kept[name] = v
			}
		}
		// An empty metadata is left out: sent when the object is created,
		// it is no field the server records, and the next apply (built
		// from the answer, whose metadata holds none of these) would
		// differ from it.
		delete(u, "metadata")
		if len(kept) > 0 {
			u["metadata"] = kept
		}
	}
	typ, err := a.resolve()
	if err != nil {
		return nil, err
	}
	tv, err := typ.FromUnstructured(u)
	if err != nil {
		return nil, fmt.Errorf("the object does not fit the kind's apply schema: %w", err)
	}
	return tv, nil
}

// withoutManagedFields is obj, or a shallow copy of it without
// managedFields when it is a struct with an embedded metav1.ObjectMeta
// that has some: the typed value leaves them out, and converting them
// first costs more than the rest of the object (each entry's field set
// goes through JSON). obj itself is not changed: it may be the object the
// applies of a key share.
func withoutManagedFields(obj runtime.Object) runtime.Object {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return obj
	}
	meta := v.Elem().FieldByName("ObjectMeta")
	if !meta.IsValid() || meta.Type() != reflect.TypeFor[metav1.ObjectMeta]() || meta.FieldByName("ManagedFields").Len() == 0 {
		return obj
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	c.Elem().FieldByName("ObjectMeta").FieldByName("ManagedFields").SetZero()
	lean, ok := c.Interface().(runtime.Object)
	if !ok {
		return obj
	}
	return lean
}

// nothing is the typed value of an object that holds no field.
func (a *ApplyType) nothing() (*typed.TypedValue, error) {
	typ, err := a.resolve()
	if err != nil {
		return nil, err
	}
	return typ.FromUnstructured(map[string]any{})
}
