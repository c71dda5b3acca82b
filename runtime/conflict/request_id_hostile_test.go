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
// RequestLogSize requests would evict its own first IDs in the very write
// that records them (no newer request came after them, yet a retry of
// those requests, their answer lost with the write's, would be applied
// again): so one write takes at most RequestLogSize requests with IDs,
// and the rest go in the next.
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
	// One write records at most RequestLogSize IDs: the batch goes in two.
	if w := h.writes.Load(); w != 3 {
		t.Fatalf("%d writes, want 3: the held one, then the batch in two writes of at most %d IDs", w, conflict.RequestLogSize)
	}
	size := stored(t, server).Spec.Size
	if size != 1+1+n {
		t.Fatalf("size %d, want %d", size, 1+1+n)
	}
	// The log holds the RequestLogSize newest of the 66 IDs: with the
	// batch split in two writes, only the held write's ID and the first
	// ID of the batch's first write have RequestLogSize newer requests
	// after them (the documented bound); no write dropped an ID it
	// recorded itself. Retried (say the batch's answers were lost), the
	// requests the log holds are not applied again.
	log := strings.Fields(stored(t, server).Annotations[conflict.RequestLogAnnotation])
	if len(log) != conflict.RequestLogSize {
		t.Fatalf("log holds %d entries, want %d", len(log), conflict.RequestLogSize)
	}
	for _, entry := range log {
		id, _, _ := strings.Cut(entry, "@")
		if id == "first" {
			t.Fatalf("log %q holds the held write's ID, which has %d newer requests", log, n)
		}
		if err := call(id)(); err != nil {
			t.Fatal(err)
		}
	}
	if got := stored(t, server).Spec.Size; got != size {
		t.Errorf("after retrying the %d requests the log holds: size %d, want %d (%d applied twice)", len(log), got, size, got-size)
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
