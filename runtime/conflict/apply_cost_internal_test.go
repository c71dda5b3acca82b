package conflict

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// The tests of this file hold the shortcuts that make an apply's own work
// cheaper to what they replace: each must give the same result.

// costSchema has a list keyed by two fields, nested in a keyed list, and
// an atomic list: the shapes extract must carry keys for.
const costSchema = `types:
- name: Thing
  map:
    fields:
    - {name: metadata, type: {namedType: io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta}}
    - {name: status, type: {namedType: ThingStatus}}
- name: ThingStatus
  map:
    fields:
    - {name: ready, type: {scalar: boolean}}
    - {name: tags, type: {list: {elementType: {scalar: string}, elementRelationship: atomic}}}
    - name: conditions
      type:
        list:
          elementType: {namedType: io.k8s.apimachinery.pkg.apis.meta.v1.Condition}
          elementRelationship: associative
          keys: [type]
    - name: ports
      type:
        list:
          elementType: {namedType: Port}
          elementRelationship: associative
          keys: [name, protocol]
- name: Port
  map:
    fields:
    - {name: name, type: {scalar: string}}
    - {name: protocol, type: {scalar: string}}
    - {name: number, type: {scalar: numeric}}
    - name: hosts
      type:
        list:
          elementType: {namedType: Host}
          elementRelationship: associative
          keys: [ip]
- name: Host
  map:
    fields:
    - {name: ip, type: {scalar: string}}
    - {name: weight, type: {scalar: numeric}}
`

func costValue(t *testing.T) *typed.TypedValue {
	t.Helper()
	typ, err := NewApplyType(costSchema, "Thing").resolve()
	if err != nil {
		t.Fatal(err)
	}
	tv, err := typ.FromUnstructured(map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"a": "1", "b": "2"}},
		"status": map[string]any{
			"ready": true,
			"tags":  []any{"x", "y"},
			"conditions": []any{
				map[string]any{"type": "A", "status": "True", "message": "a"},
				map[string]any{"type": "B", "status": "False", "message": "b"},
			},
			"ports": []any{
				map[string]any{"name": "http", "protocol": "TCP", "number": int64(80), "hosts": []any{
					map[string]any{"ip": "10.0.0.1", "weight": int64(1)},
					map[string]any{"ip": "10.0.0.2", "weight": int64(2)},
				}},
				map[string]any{"name": "http", "protocol": "UDP", "number": int64(81)},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tv
}

// extract gives what ExtractItems with WithAppendKeyFields gives, for
// every subset of the fields the value holds: list elements with their
// keys, keys of elements nested in elements, atomic lists whole.
func TestExtractEqualsExtractItemsWithKeys(t *testing.T) {
	tv := costValue(t)
	all, err := tv.ToFieldSet()
	if err != nil {
		t.Fatal(err)
	}
	var leaves []fieldpath.Path
	all.Leaves().Iterate(func(p fieldpath.Path) { leaves = append(leaves, p.Copy()) })
	if len(leaves) < 15 {
		t.Fatalf("the value holds %d leaves; the test needs its lists' fields", len(leaves))
	}
	check := func(items *fieldpath.Set) {
		t.Helper()
		want := tv.ExtractItems(items, typed.WithAppendKeyFields())
		got := extract(tv, items)
		if !value.Equals(got.AsValue(), want.AsValue()) {
			t.Errorf("extract(%v)\n got %v\nwant %v", items, value.ToString(got.AsValue()), value.ToString(want.AsValue()))
		}
	}
	// Each leaf alone, each pair, and all of them.
	for i, p := range leaves {
		check(fieldpath.NewSet(p))
		for _, q := range leaves[i+1:] {
			check(fieldpath.NewSet(p, q))
		}
	}
	check(all.Leaves())
	check(fieldpath.NewSet())
}

// applyConfig's result does not depend on the shortcut: an owned field
// the object no longer holds (another manager's forced apply took it) is
// left out, and its list element with it, rather than sent as an element
// holding its keys only.
func TestApplyConfigLeavesOutOwnedFieldsTheObjectLost(t *testing.T) {
	tv := costValue(t)
	owned := fieldpath.NewSet(
		fieldpath.MakePathOrDie("status", "conditions", fieldpath.KeyByFields("type", "A"), "status"),
		fieldpath.MakePathOrDie("status", "conditions", fieldpath.KeyByFields("type", "C"), "status"),
		fieldpath.MakePathOrDie("status", "ports", fieldpath.KeyByFields("name", "http", "protocol", "UDP"), "hosts",
			fieldpath.KeyByFields("ip", "10.9.9.9"), "weight"),
	)
	config, same, err := applyConfig(tv, owned, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !same {
		t.Error("an apply of what the object holds was taken for a change")
	}
	want := map[string]any{"status": map[string]any{"conditions": []any{map[string]any{"type": "A", "status": "True"}}}}
	if got := config.AsValue().Unstructured(); !value.Equals(value.NewValueInterface(got), value.NewValueInterface(want)) {
		t.Errorf("config = %v, want %v", value.ToString(config.AsValue()), value.ToString(value.NewValueInterface(want)))
	}
}

// The typed value of an object with managedFields is that of the object
// without them, and the object itself keeps them: it may be the object
// the calls of a key share.
func TestTypedValueLeavesTheObjectsManagedFields(t *testing.T) {
	a := NewApplyType(costSchema, "Thing")
	obj := &unstructured.Unstructured{}
	obj.SetLabels(map[string]string{"a": "1"})
	bare, err := a.typedValue(obj.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	managed := []metav1.ManagedFieldsEntry{{Manager: "m", Operation: metav1.ManagedFieldsOperationApply,
		FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{"f:a":{}}}}`)}}}
	typedObj := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "1"}, ManagedFields: managed}}
	got, err := a.typedValue(typedObj)
	if err != nil {
		t.Fatal(err)
	}
	if !value.Equals(got.AsValue(), bare.AsValue()) {
		t.Errorf("typed value %v, want %v", value.ToString(got.AsValue()), value.ToString(bare.AsValue()))
	}
	if len(typedObj.ManagedFields) != 1 || typedObj.ManagedFields[0].Manager != "m" {
		t.Errorf("the object's managedFields became %v", typedObj.ManagedFields)
	}
	// An Unstructured's metadata is a map that a shallow copy shares.
	obj.SetManagedFields(managed)
	if got, err = a.typedValue(obj); err != nil {
		t.Fatal(err)
	}
	if !value.Equals(got.AsValue(), bare.AsValue()) {
		t.Errorf("typed value %v, want %v", value.ToString(got.AsValue()), value.ToString(bare.AsValue()))
	}
	if m := obj.GetManagedFields(); len(m) != 1 || m[0].Manager != "m" {
		t.Errorf("the Unstructured's managedFields became %v", m)
	}
}

// semantic tells managedFields apart as Semantic does: a changed field
// set is a change, nil and empty are not.
func TestSemanticComparesManagedFieldsAsSemanticDoes(t *testing.T) {
	entry := func(raw []byte) []metav1.ManagedFieldsEntry {
		return []metav1.ManagedFieldsEntry{{Manager: "m", FieldsV1: &metav1.FieldsV1{Raw: raw}}}
	}
	cases := []struct {
		name string
		a, b []metav1.ManagedFieldsEntry
	}{
		{"same", entry([]byte(`{"f:a":{}}`)), entry([]byte(`{"f:a":{}}`))},
		{"changed", entry([]byte(`{"f:a":{}}`)), entry([]byte(`{"f:b":{}}`))},
		{"longer", entry([]byte(`{"f:a":{}}`)), entry([]byte(`{"f:a":{},"f:b":{}}`))},
		{"nil and empty", entry(nil), entry([]byte{})},
		{"nil and some", entry(nil), entry([]byte(`{}`))},
	}
	for _, tc := range cases {
		a, b := metav1.ObjectMeta{ManagedFields: tc.a}, metav1.ObjectMeta{ManagedFields: tc.b}
		want := equality.Semantic.DeepEqual(a, b)
		if got := semantic.DeepEqual(a, b); got != want {
			t.Errorf("%s: semantic.DeepEqual = %v, Semantic.DeepEqual = %v", tc.name, got, want)
		}
	}
}
