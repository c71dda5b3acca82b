package conflict_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// Hostile cases of Apply and ApplyStatus against the fake server of
// apply_harness_test.go.

// TestApplyInARequestContext: ContextWithRequestID promises that the ID a
// context carries is the server's, for every write of the request, and
// must not fail the writes that cannot keep it. An apply records no
// request ID; one made in a handler's request context must still work.
func TestApplyInARequestContext(t *testing.T) {
	a := newApplyEnv(t, seed())
	ctx := conflict.ContextWithRequestID(context.Background(), "req-1")
	err := applyWidgetStatus(ctx, a, byName(), func(w *Widget) error {
		meta.SetStatusCondition(&w.Status.Conditions, cond("A", "a"))
		return nil
	}, owner)
	if err != nil {
		t.Fatalf("ApplyStatus in a request context: %v", err)
	}
	err = applyWidget(ctx, a, byName(), func(w *Widget) error { w.Spec.Owner = "me"; return nil }, owner)
	if err != nil {
		t.Fatalf("Apply in a request context: %v", err)
	}
	if n := a.applies.Load(); n != 2 {
		t.Errorf("%d applies sent, want 2", n)
	}
}

// TestApplyStaysSerializedWhenItsStateIsForgotten: the applies of one
// process to one object by one field manager go one request at a time,
// each built on the answer to the previous one. While one is in flight,
// 4,097 calls for other objects (here refused calls, without a field
// owner, which send nothing) push its state out of the process's memory;
// the next apply for the same object and manager then starts a state of
// its own and is sent at once, beside the one in flight.
func TestApplyStaysSerializedWhenItsStateIsForgotten(t *testing.T) {
	a := newApplyEnv(t, seed())
	release := make(chan struct{})
	a.onApply = func(ctx context.Context, n int, _ map[string]any) error {
		if n == 1 {
			<-release
		}
		return nil
	}
	first := make(chan error, 1)
	go func() {
		first <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error { w.Status.ObservedGeneration = 1; return nil }, owner)
	}()
	for a.applies.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := range 4097 {
		other := byName()
		other.Name = fmt.Sprint("other-", i)
		_ = applyWidgetStatus(context.Background(), a, other, func(*Widget) error { return nil })
	}
	second := make(chan error, 1)
	go func() {
		second <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
			meta.SetStatusCondition(&w.Status.Conditions, cond("B", "b"))
			return nil
		}, owner)
	}()
	time.Sleep(settle)
	if n := a.applies.Load(); n != 1 {
		t.Errorf("%d applies reached the server while the first was in flight, want 1: the second was not built on the first's answer", n)
	}
	close(release)
	for _, ch := range []chan error{first, second} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
}

// TestApplyOptionsDoNotSplitItsSerialization: the applies of one process
// to one object by one field manager go one request at a time, each built
// on the answer to the previous one. An apply of the same manager given
// WithForceOwnership, or WithReader, is kept apart from one without and
// is sent beside it, built on what it read before the other's answer.
func TestApplyOptionsDoNotSplitItsSerialization(t *testing.T) {
	cases := map[string]func(*applyClient) conflict.Option{
		"force":  func(*applyClient) conflict.Option { return conflict.WithForceOwnership() },
		"reader": func(a *applyClient) conflict.Option { return conflict.WithReader(struct{ client.Reader }{a}) },
	}
	for name, option := range cases {
		t.Run(name, func(t *testing.T) {
			a := newApplyEnv(t, seed())
			release := make(chan struct{})
			a.onApply = func(ctx context.Context, n int, _ map[string]any) error {
				if n == 1 {
					<-release
				}
				return nil
			}
			first := make(chan error, 1)
			go func() {
				first <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error { w.Status.ObservedGeneration = 1; return nil }, owner)
			}()
			for a.applies.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			second := make(chan error, 1)
			go func() {
				second <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
					meta.SetStatusCondition(&w.Status.Conditions, cond("B", "b"))
					return nil
				}, owner, option(a))
			}()
			time.Sleep(settle)
			if n := a.applies.Load(); n != 1 {
				t.Errorf("%d applies reached the server while the first was in flight, want 1", n)
			}
			close(release)
			for _, ch := range []chan error{first, second} {
				if err := <-ch; err != nil {
					t.Fatal(err)
				}
			}
			if _, ok := a.lastBody(t)["status"].(map[string]any)["observedGeneration"]; !ok {
				t.Errorf("the last apply dropped the field the first one set: %s", jsonOf(t, a.lastBody(t)))
			}
		})
	}
}

// TestApplyCombinedWithACallByNameOnAReplacedObject: an obj that names an
// object deleted and created again since fails with ErrObjectReplaced, and
// nothing is written into the new object. Queued behind a request in
// flight, such a call is combined with a call by name that read the new
// object; the combined request is built on the newest object of the
// batch's last caller, the new one, and writes the old obj's change into
// it.
func TestApplyCombinedWithACallByNameOnAReplacedObject(t *testing.T) {
	a := newApplyEnv(t, seed())
	old := byName()
	if err := applyWidgetStatus(context.Background(), a, old, func(w *Widget) error { w.Status.ObservedGeneration = 1; return nil }, owner); err != nil {
		t.Fatal(err)
	}
	if err := a.Client.Delete(context.Background(), stored(t, a.Client)); err != nil {
		t.Fatal(err)
	}
	renewed := seed()
	renewed.UID = "uid-2"
	if err := a.Client.Create(context.Background(), renewed); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	a.onApply = func(ctx context.Context, n int, body map[string]any) error {
		if n == 2 {
			<-release
		}
		// The API server refuses an apply whose uid is not the object's.
		if uid := body["metadata"].(map[string]any)["uid"]; uid != nil && uid != "uid-2" {
			return apierrors.NewConflict(schema.GroupResource{Group: widgetGK.Group, Resource: "widgets"}, testName, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: uid-2", uid))
		}
		return nil
	}
	inFlight := make(chan error, 1)
	go func() {
		inFlight <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error { w.Status.ObservedGeneration = 2; return nil }, owner)
	}()
	for a.applies.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	stale, named := make(chan error, 1), make(chan error, 1)
	go func() {
		stale <- applyWidgetStatus(context.Background(), a, old, func(w *Widget) error { w.Status.Ready = true; return nil }, owner)
	}()
	time.Sleep(settle / 4)
	go func() {
		named <- applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
			meta.SetStatusCondition(&w.Status.Conditions, cond("B", "b"))
			return nil
		}, owner)
	}()
	time.Sleep(settle)
	close(release)
	if err := <-inFlight; err != nil {
		t.Fatal(err)
	}
	if err := <-named; err != nil {
		t.Errorf("the call by name: %v", err)
	}
	if err := <-stale; !errors.Is(err, conflict.ErrObjectReplaced) {
		t.Errorf("the call through the old obj: err = %v, want ErrObjectReplaced", err)
	}
	if w := stored(t, a.Client); w.Status.Ready {
		t.Error("the old obj's change was written into the new object")
	}
}
