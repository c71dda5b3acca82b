package conflict

import (
	"fmt"

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
	parser *typed.Parser
	typ    typed.ParseableType
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
// by generated code at package init with a schema the generator built,
// and panics when the schema does not parse or does not define typeName.
func NewApplyType(schemaYAML, typeName string) *ApplyType {
	p, err := typed.NewParser(typed.YAMLObject(schemaYAML))
	if err != nil {
		panic(fmt.Sprintf("conflict.NewApplyType(%q): %v", typeName, err))
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
	typ := p.Type(typeName)
	if !typ.IsValid() {
		panic(fmt.Sprintf("conflict.NewApplyType: the schema does not define %q", typeName))
	}
	return &ApplyType{parser: p, typ: typ}
}

// applyMetadata are the metadata fields an apply may set besides name and
// namespace; the typed value of an object holds these and no others.
var applyMetadata = []string{"labels", "annotations", "finalizers", "ownerReferences"}

// typedValue is obj as a typed value of the kind's schema, without
// apiVersion, kind, name, namespace and the metadata the server keeps.
func (a *ApplyType) typedValue(obj runtime.Object) (*typed.TypedValue, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	delete(u, "apiVersion")
	delete(u, "kind")
	if meta, ok := u["metadata"].(map[string]any); ok {
		kept := map[string]any{}
		for _, name := range applyMetadata {
			if v, ok := meta[name]; ok && v != nil {
				kept[name] = v
			}
		}
		u["metadata"] = kept
	}
	tv, err := a.typ.FromUnstructured(u)
	if err != nil {
		return nil, fmt.Errorf("the object does not fit the kind's apply schema: %w", err)
	}
	return tv, nil
}
