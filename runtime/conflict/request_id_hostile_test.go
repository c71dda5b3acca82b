package conflict_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// A server puts the request ID of every call into the handler's context
// (the gRPC interceptor does, for every call that carries one), and the
// README lists the helpers that use it. Apply and ApplyStatus record no
// ID (an apply is idempotent), so a handler that applies must run as it
// would without the ID: not fail with ErrInvalidRequestID, which the
// interceptor turns into INVALID_ARGUMENT against a well-formed ID.
func TestApplyInARequestContextRunsAsWithoutAnID(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	ctx := conflict.ContextWithRequestID(context.Background(), "0b7a4cb6-4d1f-4a59-9f0e-2f6f1d0c2a11")
	err := applyWidget(ctx, a, byName(), func(w *Widget) error { w.Spec.Size = 9; return nil }, owner)
	if err != nil {
		t.Errorf("Apply in a context carrying a valid request ID: %v; want it applied as without an ID", err)
	}
	err = applyWidgetStatus(ctx, a, byName(), func(w *Widget) error { w.Status.ObservedGeneration = 7; return nil }, owner)
	if err != nil {
		t.Errorf("ApplyStatus in a context carrying a valid request ID: %v; want it applied as without an ID", err)
	}
}

// A combined write records every ID of its batch. A batch of more than
// RequestLogSize requests evicts its own first IDs in the very write that
// records them: no newer request came after them, yet a retry of those
// requests (their answer lost with the write's) is applied again.
func TestCombinedBatchLargerThanTheLogKeepsItsOwnIDs(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	const n = conflict.RequestLogSize + 1
	call := func(id string) func() error {
		return func() error { return updateWidget(bg, h, byName(), grow, conflict.WithRequestID(id)) }
	}
	others := make([]func() error, n)
	for i := range others {
		others[i] = call(fmt.Sprintf("batch-%03d", i))
	}
	first, chs := heldBatch(t, h, call("first"), others...)
	mustSucceed(t, first, "first")
	for i, ch := range chs {
		mustSucceed(t, ch, fmt.Sprintf("batch caller %d", i))
	}
	if w := h.writes.Load(); w != 2 {
		t.Fatalf("%d writes, want 2: the held one and the combined batch", w)
	}
	size := stored(t, server).Spec.Size
	if size != 1+1+n {
		t.Fatalf("size %d, want %d", size, 1+1+n)
	}
	// The batch's callers retry (say its answer was lost): none of them
	// may be applied again.
	for i := range others {
		if err := others[i](); err != nil {
			t.Fatal(err)
		}
	}
	if got := stored(t, server).Spec.Size; got != size {
		log := stored(t, server).Annotations[conflict.RequestLogAnnotation]
		t.Errorf("after retrying the %d requests of one write: size %d, want %d (%d applied twice); log holds %d entries, starting %q",
			n, got, size, got-size, len(strings.Fields(log)), strings.Fields(log)[0])
	}
}

// A caller passes CreateOrUpdate the object it read before the object was
// deleted; its log held this request's ID (recorded on the deleted
// object). The object is created anew: the ID on the caller's stale copy
// must not stand for the new object's log, or the create stores the
// object without the request's change.
func TestCreateOrUpdateIgnoresTheLogOfADeletedCopy(t *testing.T) {
	h, server := newEnv(t, seed())
	ctx := func() context.Context { return conflict.ContextWithRequestID(testCtx(t), "req") }
	if _, err := createOrUpdateWidget(ctx(), h, byName(), grow); err != nil {
		t.Fatal(err)
	}
	held := stored(t, server)
	if err := server.Delete(context.Background(), held.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	held.Spec.Size = 0
	result, err := createOrUpdateWidget(ctx(), h, held, func(w *Widget) error { w.Spec.Size = 10; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := stored(t, server); got.Spec.Size != 10 {
		t.Errorf("result %s, stored size %d, log %q; want the new object created with the change (10)",
			result, got.Spec.Size, got.Annotations[conflict.RequestLogAnnotation])
	}
}

// The IDs the two-writes rule derives ("<id>/<n>") share one namespace
// with the IDs callers send, which may hold "/": a request whose ID is
// "<id>/2" (a caller that numbers the steps of one operation, say) is
// taken for the second write of request <id> and silently skipped,
// although no request that carried its ID was applied.
func TestDerivedIDDoesNotSuppressAnotherRequest(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			on := conflict.WithCombining(mode.on)
			base := "6f1c1f9e-2b8a-4c55-9a43-0d7e4e1b8c21"
			first := conflict.ContextWithRequestID(testCtx(t), base)
			for range 2 { // one request writes the widget twice
				if err := updateWidget(first, h, byName(), grow, on); err != nil {
					t.Fatal(err)
				}
			}
			second := conflict.ContextWithRequestID(testCtx(t), base+"/2") // another request
			if err := updateWidget(second, h, byName(), grow, on); err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); got.Spec.Size != 4 {
				t.Errorf("size %d, want 4 (seed, two writes of one request, one of another); log %q",
					got.Spec.Size, got.Annotations[conflict.RequestLogAnnotation])
			}
		})
	}
}
