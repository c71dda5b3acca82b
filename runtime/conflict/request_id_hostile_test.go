package conflict_test

import (
	"context"
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
