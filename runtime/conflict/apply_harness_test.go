package conflict_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/structured-merge-diff/v6/typed"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// widgetApplySchema is Widget's schema as the generator would emit it.
const widgetApplySchema = `types:
- name: Widget
  map:
    fields:
    - {name: apiVersion, type: {scalar: string}}
    - {name: kind, type: {scalar: string}}
    - {name: metadata, type: {namedType: io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta}}
    - {name: spec, type: {namedType: WidgetSpec}}
    - {name: status, type: {namedType: WidgetStatus}}
- name: WidgetSpec
  map:
    fields:
    - {name: size, type: {scalar: numeric}}
    - {name: owner, type: {scalar: string}}
    - {name: tags, type: {list: {elementType: {scalar: string}, elementRelationship: atomic}}}
- name: WidgetStatus
  map:
    fields:
    - {name: ready, type: {scalar: boolean}}
    - {name: observedGeneration, type: {scalar: numeric}}
    - name: conditions
      type:
        list:
          elementType: {namedType: io.k8s.apimachinery.pkg.apis.meta.v1.Condition}
          elementRelationship: associative
          keys: [type]
`

var applyWidgetKind = conflict.Kind{GroupKind: widgetGK, StatusSubresource: true,
	Apply: conflict.NewApplyType(widgetApplySchema, "Widget")}

// widgetSchema parses the schema again for the fake server's own use,
// with the well-known types the runtime adds written out.
var widgetSchema = func() *typed.Parser {
	p, err := typed.NewParser(typed.YAMLObject(widgetApplySchema + `- name: io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta
  map:
    fields:
    - {name: labels, type: {map: {elementType: {scalar: string}}}}
    - {name: annotations, type: {map: {elementType: {scalar: string}}}}
- name: io.k8s.apimachinery.pkg.apis.meta.v1.Condition
  map:
    fields:
    - {name: type, type: {scalar: string}}
    - {name: status, type: {scalar: string}}
    - {name: observedGeneration, type: {scalar: numeric}}
    - {name: lastTransitionTime, type: {scalar: string}}
    - {name: reason, type: {scalar: string}}
    - {name: message, type: {scalar: string}}
`))
	if err != nil {
		panic(err)
	}
	return p
}()

// applyClient plays the API server's part of server-side apply over the
// fake client: it records each apply's body, stores it (as a merge patch:
// enough for one manager's lists), and keeps the managedFields entries
// (the fields of each manager's last apply), which it puts in every
// object it returns. onApply, when set, answers the n-th apply instead.
type applyClient struct {
	client.Client

	gets, applies atomic.Int32
	onApply       func(ctx context.Context, n int, body map[string]any) error

	mu      sync.Mutex
	bodies  []map[string]any
	managed []metav1.ManagedFieldsEntry
}

func newApplyEnv(t *testing.T, objs ...*Widget) *applyClient {
	t.Helper()
	_, server := newEnv(t, objs...)
	return &applyClient{Client: server}
}

// setManaged gives manager owner the fields of fieldsJSON (managedFields
// format) through op on subresource sub.
func (a *applyClient) setManaged(owner string, op metav1.ManagedFieldsOperationType, sub, fieldsJSON string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.setManagedLocked(owner, op, sub, fieldsJSON)
}

func (a *applyClient) setManagedLocked(owner string, op metav1.ManagedFieldsOperationType, sub, fieldsJSON string) {
	for i, e := range a.managed {
		if e.Manager == owner && e.Operation == op && e.Subresource == sub {
			a.managed = append(a.managed[:i], a.managed[i+1:]...)
			break
		}
	}
	a.managed = append(a.managed, metav1.ManagedFieldsEntry{Manager: owner, Operation: op, Subresource: sub,
		FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(fieldsJSON)}})
}

func (a *applyClient) withManagedLocked(obj client.Object) {
	obj.SetManagedFields(append([]metav1.ManagedFieldsEntry(nil), a.managed...))
}

// lastBody is the body of the last apply.
func (a *applyClient) lastBody(t *testing.T) map[string]any {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.bodies) == 0 {
		t.Fatal("no apply was sent")
	}
	return a.bodies[len(a.bodies)-1]
}

func (a *applyClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	a.gets.Add(1)
	// The object and its managedFields are read together, as the API
	// server answers them: a read between an apply's store and its
	// managedFields would pair new content with old ownership.
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.Client.Get(ctx, key, obj, opts...); err != nil {
		return err
	}
	a.withManagedLocked(obj)
	return nil
}

func (a *applyClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	po := &client.PatchOptions{}
	po.ApplyOptions(opts)
	return a.apply(ctx, obj, patch, po.FieldManager, "", func(p client.Patch) error { return a.Client.Patch(ctx, obj, p) })
}

func (a *applyClient) Status() client.SubResourceWriter {
	return &applyStatusWriter{SubResourceWriter: a.Client.Status(), a: a}
}

type applyStatusWriter struct {
	client.SubResourceWriter
	a *applyClient
}

func (s *applyStatusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	po := &client.SubResourcePatchOptions{}
	po.ApplyOptions(opts)
	return s.a.apply(ctx, obj, patch, po.FieldManager, "status", func(p client.Patch) error { return s.SubResourceWriter.Patch(ctx, obj, p) })
}

func (a *applyClient) apply(ctx context.Context, obj client.Object, patch client.Patch, owner, sub string, store func(client.Patch) error) error {
	if patch.Type() != types.ApplyPatchType {
		return store(patch)
	}
	raw, err := patch.Data(obj)
	if err != nil {
		return err
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return err
	}
	n := int(a.applies.Add(1))
	a.mu.Lock()
	a.bodies = append(a.bodies, body)
	a.mu.Unlock()
	if a.onApply != nil {
		if err := a.onApply(ctx, n, body); err != nil {
			return err
		}
	}
	// The manager's fields are those of its apply.
	fields := map[string]any{}
	for k, v := range body {
		if k != "apiVersion" && k != "kind" {
			fields[k] = v
		}
	}
	if meta, ok := fields["metadata"].(map[string]any); ok {
		kept := map[string]any{}
		for _, k := range []string{"labels", "annotations"} {
			if v, ok := meta[k]; ok {
				kept[k] = v
			}
		}
		fields["metadata"] = kept
	}
	tv, err := widgetSchema.Type("Widget").FromUnstructured(fields)
	if err != nil {
		return err
	}
	set, err := tv.ToFieldSet()
	if err != nil {
		return err
	}
	js, err := set.ToJSON()
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := store(client.RawPatch(types.MergePatchType, raw)); err != nil {
		return err
	}
	a.setManagedLocked(owner, metav1.ManagedFieldsOperationApply, sub, string(js))
	a.withManagedLocked(obj)
	return nil
}

func applyWidgetStatus(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) error {
	return conflict.ApplyStatus(ctx, c, applyWidgetKind, obj, mutate, opts...)
}

func applyWidget(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) error {
	return conflict.Apply(ctx, c, applyWidgetKind, obj, mutate, opts...)
}
