package conflict_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// A request ID in the context makes the helpers exactly-once without an
// option: the retry of a request whose answer was lost, in a new context
// with the same ID (as a server's interceptor builds one per call), is
// not applied again; an ID given as an option wins over it.
func TestRequestIDFromTheContext(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			loseAnswer(h, server, 1)
			request := func(id string) context.Context { return conflict.ContextWithRequestID(testCtx(t), id) }
			on := conflict.WithCombining(mode.on)

			if err := updateWidget(request("req-1"), h, byName(), grow, on); !errors.Is(err, conflict.ErrOutcomeUnknown) {
				t.Fatalf("first call: err = %v, want ErrOutcomeUnknown", err)
			}
			if err := updateWidget(request("req-1"), h, byName(), grow, on); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if got := stored(t, server).Spec.Size; got != 2 {
				t.Errorf("size %d, want 2: seed 1, req-1 once", got)
			}
			// The option wins: the call is a new request although the
			// context's ID is logged.
			if err := updateWidget(request("req-1"), h, byName(), grow, on, conflict.WithRequestID("req-2")); err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if got.Spec.Size != 3 || !strings.Contains(got.Annotations[conflict.RequestLogAnnotation], "req-2@") {
				t.Errorf("size %d, log %q; want 3 with req-2 logged", got.Spec.Size, got.Annotations[conflict.RequestLogAnnotation])
			}
		})
	}
}

// CreateOrUpdate and UpdateFrom take the context's ID too.
func TestCreateOrUpdateAndUpdateFromTakeTheContextID(t *testing.T) {
	h, server := newEnv(t)
	for range 2 {
		if _, err := createOrUpdateWidget(conflict.ContextWithRequestID(testCtx(t), "create"), h, byName(), grow); err != nil {
			t.Fatal(err)
		}
	}
	original := stored(t, server)
	if original.Spec.Size != 1 {
		t.Fatalf("size after a create retried = %d, want 1", original.Spec.Size)
	}
	modified := original.DeepCopy()
	modified.Spec.Owner = "from"
	if err := updateWidgetFrom(conflict.ContextWithRequestID(testCtx(t), "from"), h, original, modified); err != nil {
		t.Fatal(err)
	}
	if log := stored(t, server).Annotations[conflict.RequestLogAnnotation]; !strings.Contains(log, "create@") || !strings.Contains(log, "from@") {
		t.Errorf("log %q: want both requests", log)
	}
}

// The ID of a request's second write to an object is not the ID any
// caller can send: a request whose own ID reads like one (a hierarchical
// scheme: "batch-5" and "batch-5/2") is applied, and an ID in the derived
// form is refused before anything is written.
func TestDerivedIDsAreNotCallerIDs(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			on := conflict.WithCombining(mode.on)
			twice := func(ctx context.Context) error {
				if err := updateWidget(ctx, h, byName(), grow, on); err != nil {
					return err
				}
				return updateWidget(ctx, h, byName(), grow, on)
			}
			if err := twice(conflict.ContextWithRequestID(testCtx(t), "batch-5")); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"batch-5/2", "batch-5:2", "batch-5.2"} {
				if err := updateWidget(conflict.ContextWithRequestID(testCtx(t), id), h, byName(), grow, on); err != nil {
					t.Fatal(err)
				}
			}
			if got := stored(t, server).Spec.Size; got != 6 {
				t.Errorf("size %d, want 6: two writes of batch-5 and one of each other request", got)
			}
			writes := h.writes.Load()
			err := updateWidget(testCtx(t), h, byName(), grow, on, conflict.WithRequestID("batch-5#2"))
			if !errors.Is(err, conflict.ErrInvalidRequestID) || h.writes.Load() != writes {
				t.Errorf("an ID in the derived form: %v after %d writes; want ErrInvalidRequestID and none", err, h.writes.Load()-writes)
			}
			if err := conflict.ValidateRequestID("batch-5#2"); !errors.Is(err, conflict.ErrInvalidRequestID) {
				t.Errorf("ValidateRequestID(batch-5#2) = %v, want ErrInvalidRequestID", err)
			}
		})
	}
}

// The two-writes rule: a handler that writes one object twice within one
// request gets both writes applied (the second is not taken for a retry
// of the first), and the whole request retried with the same ID applies
// neither again.
func TestTwoWritesToOneObjectInOneRequest(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			on := conflict.WithCombining(mode.on)
			handler := func(ctx context.Context) error {
				if err := updateWidget(ctx, h, byName(), grow, on); err != nil {
					return err
				}
				return updateWidget(ctx, h, byName(), func(w *Widget) error { w.Spec.Owner += "+"; return nil }, on)
			}
			if err := handler(conflict.ContextWithRequestID(testCtx(t), "req")); err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if got.Spec.Size != 2 || got.Spec.Owner != "seed+" {
				t.Errorf("size %d owner %q; want 2 and seed+: both writes applied", got.Spec.Size, got.Spec.Owner)
			}
			writes := h.writes.Load()
			if err := handler(conflict.ContextWithRequestID(testCtx(t), "req")); err != nil {
				t.Fatal(err)
			}
			got = stored(t, server)
			if got.Spec.Size != 2 || got.Spec.Owner != "seed+" || h.writes.Load() != writes {
				t.Errorf("after the retry: size %d owner %q, %d more writes; want neither write applied again",
					got.Spec.Size, got.Spec.Owner, h.writes.Load()-writes)
			}
			if log := got.Annotations[conflict.RequestLogAnnotation]; !strings.Contains(log, "req@") || !strings.Contains(log, "req#2@") {
				t.Errorf("log %q: want req and req#2", log)
			}
		})
	}
}

// A malformed ID in the context fails the call; status writes, which
// cannot record an ID, do not take it and work as without one.
func TestContextIDThatCannotBeKept(t *testing.T) {
	h, server := newEnv(t, seed())
	err := updateWidget(conflict.ContextWithRequestID(testCtx(t), "bad id"), h, byName(), grow)
	if !errors.Is(err, conflict.ErrInvalidRequestID) || h.writes.Load() != 0 {
		t.Errorf("err = %v after %d writes, want ErrInvalidRequestID and none", err, h.writes.Load())
	}
	ctx := conflict.ContextWithRequestID(testCtx(t), "status-req")
	for range 2 {
		if err := updateWidgetStatus(ctx, h, byName(), func(w *Widget) error { w.Status.Ready = !w.Status.Ready; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got := stored(t, server); got.Status.Ready || got.Annotations[conflict.RequestLogAnnotation] != "" {
		t.Errorf("ready %v, log %q: want both status writes applied, nothing recorded", got.Status.Ready, got.Annotations[conflict.RequestLogAnnotation])
	}
	if id, ok := conflict.RequestIDFromContext(ctx); id != "status-req" || !ok {
		t.Errorf("RequestIDFromContext = %q, %v", id, ok)
	}
	if _, ok := conflict.RequestIDFromContext(testCtx(t)); ok {
		t.Error("a context without an ID reports one")
	}
}

// A status write of a kind that keeps a status request log takes the
// context's ID as an explicit one: a request retried after its answer was
// lost is applied once.
func TestStatusWriteTakesTheContextIDWhereTheKindKeepsALog(t *testing.T) {
	h, server := newEnv(t, seed())
	loseStatusAnswer(h, server, 1)
	err := updateLoggedWidgetStatus(conflict.ContextWithRequestID(testCtx(t), "req-s"), h, byName(), observe)
	if !errors.Is(err, conflict.ErrOutcomeUnknown) {
		t.Fatalf("first attempt: err = %v, want ErrOutcomeUnknown", err)
	}
	// The retry is a new request context carrying the same ID.
	if err := updateLoggedWidgetStatus(conflict.ContextWithRequestID(testCtx(t), "req-s"), h, byName(), observe); err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := stored(t, server)
	if got.Status.ObservedGeneration != 1 || statusLogEntries(got, "req-s") != 1 {
		t.Errorf("observed %d, log %q: want the request applied once and recorded once", got.Status.ObservedGeneration, got.Status.RequestLog)
	}
}
