package conflict_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The owned-fields rule, no-op applies, typed ownership conflicts and
// combining of Apply and ApplyStatus, against the fake server of
// apply_harness_test.go. The real API server's answers are tested in
// test/e2e.

var owner = conflict.WithFieldOwner("me")

func cond(typ, message string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: "Test", Message: message,
		LastTransitionTime: metav1.NewTime(time.Unix(1700000000, 0))}
}

// seedWithStatus is the seed widget with a status: ready (another
// manager's), observedGeneration 3 and condition A (this manager's).
func seedWithStatus() *Widget {
	w := seed()
	w.Status = WidgetStatus{Ready: true, ObservedGeneration: 3, Conditions: []metav1.Condition{cond("A", "a")}}
	return w
}

const ownsAAndGeneration = `{"f:status":{"f:observedGeneration":{},"f:conditions":{".":{},"k:{\"type\":\"A\"}":{".":{},"f:type":{},"f:status":{},"f:reason":{},"f:message":{},"f:lastTransitionTime":{}}}}}`

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestApplySendsOwnedAndChangedFieldsOnly(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	a.setManaged("me", metav1.ManagedFieldsOperationApply, "status", ownsAAndGeneration)
	a.setManaged("other", metav1.ManagedFieldsOperationApply, "status", `{"f:status":{"f:ready":{}}}`)
	err := applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
		meta.SetStatusCondition(&w.Status.Conditions, cond("B", "b"))
		return nil
	}, owner)
	if err != nil {
		t.Fatal(err)
	}
	body := a.lastBody(t)
	want := `{"apiVersion":"test.conflict-gen.io/v1","kind":"Widget","metadata":{"name":"w","namespace":"ns","uid":"uid-1"},` +
		`"status":{"conditions":[{"lastTransitionTime":"2023-11-14T22:13:20Z","message":"a","reason":"Test","status":"True","type":"A"},` +
		`{"lastTransitionTime":"2023-11-14T22:13:20Z","message":"b","reason":"Test","status":"True","type":"B"}],"observedGeneration":3}}`
	if got := jsonOf(t, body); got != want {
		t.Errorf("the apply carried\n%s\nwant the owned fields and the changed condition, nothing else (no ready, no spec):\n%s", got, want)
	}
}

func TestApplyLeavesOutClearedOwnedFields(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	a.setManaged("me", metav1.ManagedFieldsOperationApply, "status", ownsAAndGeneration)
	err := applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
		meta.RemoveStatusCondition(&w.Status.Conditions, "A")
		w.Status.ObservedGeneration = 0
		meta.SetStatusCondition(&w.Status.Conditions, cond("B", "b"))
		return nil
	}, owner)
	if err != nil {
		t.Fatal(err)
	}
	status, _ := a.lastBody(t)["status"].(map[string]any)
	if _, ok := status["observedGeneration"]; ok {
		t.Errorf("a cleared owned field was sent: %v", status)
	}
	if got := jsonOf(t, status["conditions"]); got != `[{"lastTransitionTime":"2023-11-14T22:13:20Z","message":"b","reason":"Test","status":"True","type":"B"}]` {
		t.Errorf("conditions sent: %s, want B alone (A removed, never hollow)", got)
	}
}

func TestApplyRefusesToClearFieldsItDoesNotOwn(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	a.setManaged("me", metav1.ManagedFieldsOperationApply, "status", ownsAAndGeneration)
	a.setManaged("other", metav1.ManagedFieldsOperationUpdate, "status", `{"f:status":{"f:ready":{}}}`)
	err := applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
		w.Status.Ready = false
		return nil
	}, owner)
	if !errors.Is(err, conflict.ErrNotOwned) {
		t.Fatalf("err = %v, want ErrNotOwned", err)
	}
	if n := a.applies.Load(); n != 0 {
		t.Errorf("%d applies sent, want none", n)
	}
}

// TestApplyIgnoresClearedFieldsNobodyOwns: a field no manager owns holds
// a value the API server set (a default); a mutate that builds the status
// from scratch without it is no change, neither refused nor sent.
func TestApplyIgnoresClearedFieldsNobodyOwns(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	a.setManaged("me", metav1.ManagedFieldsOperationApply, "status", ownsAAndGeneration)
	obj := byName()
	err := applyWidgetStatus(context.Background(), a, obj, func(w *Widget) error {
		w.Status = WidgetStatus{ObservedGeneration: 3, Conditions: []metav1.Condition{cond("A", "a")}}
		return nil
	}, owner)
	if err != nil {
		t.Fatalf("err = %v, want none: nobody owns ready", err)
	}
	if n := a.applies.Load(); n != 0 {
		t.Errorf("%d applies sent, want none: leaving out a field nobody owns changes nothing", n)
	}
	if !obj.Status.Ready {
		t.Errorf("obj lost ready, which the server still holds")
	}
}

func TestApplyNeedsFieldOwnerAndSchema(t *testing.T) {
	a := newApplyEnv(t, seed())
	err := applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error { return nil })
	if !errors.Is(err, conflict.ErrNoFieldOwner) {
		t.Errorf("without WithFieldOwner: err = %v, want ErrNoFieldOwner", err)
	}
	err = conflict.Apply(context.Background(), a, widgetKind, byName(), func(w *Widget) error { return nil }, owner)
	if err == nil {
		t.Error("a kind without an apply schema: no error")
	}
	if g, n := a.gets.Load(), a.applies.Load(); g+n != 0 {
		t.Errorf("%d reads and %d applies, want no request", g, n)
	}
}

func TestApplyOwnershipConflictIsTypedAndNotRetried(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	a.onApply = func(context.Context, int, map[string]any) error {
		return apierrors.NewApplyConflict([]metav1.StatusCause{
			{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "other"`, Field: ".status.ready"},
			{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "third" with subresource "status" using v1 at 2024-01-01T00:00:00Z`, Field: ".status.ready"},
			{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "other"`, Field: ".spec.size"},
		}, "Apply failed with 2 conflicts")
	}
	reg := prometheus.NewRegistry()
	m, err := conflict.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	err = applyWidget(context.Background(), a, byName(), func(w *Widget) error { w.Spec.Size = 9; return nil },
		owner, conflict.WithMetrics(m))
	var owned *conflict.OwnershipError
	if !errors.As(err, &owned) {
		t.Fatalf("err = %v, want an *OwnershipError", err)
	}
	if !apierrors.IsConflict(err) {
		t.Error("apierrors.IsConflict is false")
	}
	want := []conflict.FieldOwnership{{Field: ".status.ready", Managers: []string{"other", "third"}}, {Field: ".spec.size", Managers: []string{"other"}}}
	if fmt.Sprint(owned.Conflicts) != fmt.Sprint(want) {
		t.Errorf("conflicts = %v, want %v", owned.Conflicts, want)
	}
	if n := a.applies.Load(); n != 1 {
		t.Errorf("%d applies, want 1: an ownership conflict is not retried", n)
	}
	if v := metricValue(t, reg, "conflictgen_conflicts_total"); v != 1 {
		t.Errorf("conflicts metric = %v, want 1", v)
	}
}

func TestApplyNoOpCostsNoRequest(t *testing.T) {
	a := newApplyEnv(t, seed())
	setA := func(w *Widget) error { meta.SetStatusCondition(&w.Status.Conditions, cond("A", "a")); return nil }
	obj := byName()
	if err := applyWidgetStatus(context.Background(), a, obj, setA, owner); err != nil {
		t.Fatal(err)
	}
	gets, applies := a.gets.Load(), a.applies.Load()
	stale := seed() // older than the answer obj holds
	stale.ResourceVersion = "1"
	for range 3 {
		if err := applyWidgetStatus(context.Background(), a, obj, setA, owner); err != nil {
			t.Fatal(err)
		}
		if err := applyWidgetStatus(context.Background(), a, stale.DeepCopy(), setA, owner); err != nil {
			t.Fatal(err)
		}
	}
	if g, n := a.gets.Load()-gets, a.applies.Load()-applies; g+n != 0 {
		t.Errorf("repeating an apply cost %d reads and %d applies, want none", g, n)
	}
	if err := applyWidgetStatus(context.Background(), a, byName(), setA, owner); err != nil {
		t.Fatal(err)
	}
	if g, n := a.gets.Load()-gets, a.applies.Load()-applies; g != 1 || n != 0 {
		t.Errorf("a no-op apply by name cost %d reads and %d applies, want the read alone", g, n)
	}
}

func TestApplyNoOpOnCallersObjectIsConfirmed(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	a.setManaged("me", metav1.ManagedFieldsOperationApply, "status", ownsAAndGeneration)
	// The caller's copy already shows what it wants; the server does not.
	mine := seedWithStatus()
	mine.ResourceVersion = "999"
	meta.SetStatusCondition(&mine.Status.Conditions, cond("A", "changed"))
	err := applyWidgetStatus(context.Background(), a, mine, func(w *Widget) error {
		meta.SetStatusCondition(&w.Status.Conditions, cond("A", "changed"))
		return nil
	}, owner)
	if err != nil {
		t.Fatal(err)
	}
	if a.gets.Load() != 1 || a.applies.Load() != 1 {
		t.Errorf("%d reads, %d applies; want the no-op on the caller's copy confirmed by a read, then applied", a.gets.Load(), a.applies.Load())
	}
	if c := meta.FindStatusCondition(mine.Status.Conditions, "A"); c == nil || c.Message != "changed" {
		t.Errorf("condition A = %v after the apply", c)
	}
}

func TestApplyCombinesConcurrentApplies(t *testing.T) {
	for _, combining := range []bool{true, false} {
		t.Run(fmt.Sprint("combining=", combining), func(t *testing.T) {
			a := newApplyEnv(t, seed())
			release := make(chan struct{})
			a.onApply = func(ctx context.Context, n int, _ map[string]any) error {
				if n == 1 {
					<-release
				}
				return nil
			}
			const callers = 8
			var wg sync.WaitGroup
			errs := make([]error, callers+1)
			wg.Go(func() {
				errs[callers] = applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
					w.Status.ObservedGeneration = 1
					return nil
				}, owner, conflict.WithCombining(combining))
			})
			for a.applies.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			for i := range callers {
				wg.Go(func() {
					errs[i] = applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
						meta.SetStatusCondition(&w.Status.Conditions, cond(fmt.Sprint("C", i), "x"))
						return nil
					}, owner, conflict.WithCombining(combining))
				})
			}
			time.Sleep(settle)
			close(release)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
			}
			w := &Widget{}
			if err := a.Get(context.Background(), testKey, w); err != nil {
				t.Fatal(err)
			}
			if len(w.Status.Conditions) != callers || w.Status.ObservedGeneration != 1 {
				t.Errorf("stored %d conditions and observedGeneration %d, want every caller's change", len(w.Status.Conditions), w.Status.ObservedGeneration)
			}
			want := int32(1 + callers)
			if combining {
				want = 2
			}
			if n := a.applies.Load(); n != want {
				t.Errorf("%d applies, want %d", n, want)
			}
		})
	}
}

func TestApplyCallerLeavesWhileQueued(t *testing.T) {
	a := newApplyEnv(t, seed())
	release := make(chan struct{})
	a.onApply = func(ctx context.Context, n int, _ map[string]any) error {
		if n == 1 {
			<-release
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		done <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error { w.Status.ObservedGeneration = 1; return nil }, owner)
	}()
	for a.applies.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := applyWidgetStatus(ctx, a, byName(), func(w *Widget) error { w.Status.Ready = true; return nil }, owner)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, conflict.ErrOutcomeUnknown) {
		t.Errorf("a caller that left while queued: err = %v, want its context's error and no unknown outcome", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if w := stored(t, a.Client); w.Status.Ready {
		t.Error("the change of a caller that left was written")
	}
}

// A schema that does not parse, or lacks the kind's type, fails the
// kind's applies before any request, with an error that says so; it does
// not panic at package init, where it would take down every program that
// imports the generated package.
func TestABadApplySchemaFailsItsAppliesBeforeAnyRequest(t *testing.T) {
	for name, tc := range map[string]struct{ schema, typ, want string }{
		"unparsable":   {"types: [", "Widget", "does not parse"},
		"missing type": {widgetApplySchema, "Gadget", `does not define "Gadget"`},
	} {
		t.Run(name, func(t *testing.T) {
			kind := applyWidgetKind
			kind.Apply = conflict.NewApplyType(tc.schema, tc.typ)
			a := newApplyEnv(t, seed())
			err := conflict.Apply(testCtx(t), a, kind, byName(), func(w *Widget) error { w.Spec.Size = 7; return nil }, owner)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
			if g, n := a.gets.Load(), a.applies.Load(); g+n != 0 {
				t.Errorf("%d reads and %d applies, want no request", g, n)
			}
		})
	}
}

func TestApplyBlockingMutateHoldsUpNobody(t *testing.T) {
	a := newApplyEnv(t, seed())
	unblock := make(chan struct{})
	blocked := make(chan error, 1)
	go func() {
		blocked <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
			<-unblock
			w.Status.ObservedGeneration = 7
			return nil
		}, owner)
	}()
	for i := range 3 {
		err := applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
			meta.SetStatusCondition(&w.Status.Conditions, cond(fmt.Sprint("C", i), "x"))
			return nil
		}, owner)
		if err != nil {
			t.Fatalf("apply %d while another caller's mutate blocks: %v", i, err)
		}
	}
	close(unblock)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	w := stored(t, a.Client)
	if w.Status.ObservedGeneration != 7 || len(w.Status.Conditions) != 3 {
		t.Errorf("stored observedGeneration %d and %d conditions, want every change", w.Status.ObservedGeneration, len(w.Status.Conditions))
	}
}

// TestApplyRepeatOnAChangedObjectIsSent: an apply that repeats the last
// one is skipped only while the object still holds what that apply's
// answer held at its fields: after another write changed one of them
// (here without a managedFields change, which the API server would also
// make), the same apply is sent again.
func TestApplyRepeatOnAChangedObjectIsSent(t *testing.T) {
	a := newApplyEnv(t, seed())
	setTags := func(w *Widget) error { w.Spec.Tags = []string{"a"}; return nil }
	obj := byName()
	if err := applyWidget(context.Background(), a, obj, setTags, owner); err != nil {
		t.Fatal(err)
	}
	if err := applyWidget(context.Background(), a, byName(), setTags, owner); err != nil {
		t.Fatal(err)
	}
	if n := a.applies.Load(); n != 1 {
		t.Fatalf("%d applies, want 1: the repeat is skipped", n)
	}
	other := &Widget{}
	if err := a.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), other); err != nil {
		t.Fatal(err)
	}
	other.Spec.Tags = []string{"b"}
	if err := a.Client.Update(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if err := applyWidget(context.Background(), a, byName(), setTags, owner); err != nil {
		t.Fatal(err)
	}
	if n := a.applies.Load(); n != 2 {
		t.Errorf("%d applies, want 2: the object no longer holds what the repeated apply set", n)
	}
	got := &Widget{}
	if err := a.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Tags) != 1 || got.Spec.Tags[0] != "a" {
		t.Errorf("stored tags = %v, want [a]", got.Spec.Tags)
	}
}
