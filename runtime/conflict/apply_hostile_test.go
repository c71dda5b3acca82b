package conflict_test

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"

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
