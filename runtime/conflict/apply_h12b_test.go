package conflict_test

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// lostAnswerClient stores the n-th apply and then loses its answer (a
// 500 after the write, as a proxy or a dropped connection gives): the
// write is on the server, the caller gets ErrOutcomeUnknown.
type lostAnswerClient struct {
	*applyClient
	lose int
	n    int
}

func (l *lostAnswerClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	l.n++
	if err := l.applyClient.Patch(ctx, obj, patch, opts...); err != nil {
		return err
	}
	if l.n == l.lose {
		return apierrors.NewInternalError(errors.New("answer lost after the write"))
	}
	return nil
}

// TestApplyNoOpIsNotBelievedAfterAnUnknownOutcome breaks "nothing lost"
// and "no-op costs zero requests only when nothing changed": an apply
// whose outcome is unknown (ErrOutcomeUnknown: it may have been stored)
// leaves the process's kept answer in place, and the next apply that
// sets the field back to the last known-good value is taken for a no-op
// through the obj the previous successful call filled in (as the README
// recommends passing it). Nothing is sent, the call succeeds, and the
// server keeps the value of the failed apply.
func TestApplyNoOpIsNotBelievedAfterAnUnknownOutcome(t *testing.T) {
	a := newApplyEnv(t, seed())
	c := &lostAnswerClient{applyClient: a, lose: 2}
	obj := byName()
	size := func(n int32) func(*Widget) error { return func(w *Widget) error { w.Spec.Size = n; return nil } }
	if err := applyWidget(context.Background(), c, obj, size(3), owner); err != nil {
		t.Fatal(err)
	}
	err := applyWidget(context.Background(), c, obj.DeepCopy(), size(5), owner)
	if !errors.Is(err, conflict.ErrOutcomeUnknown) {
		t.Fatalf("lost answer: err = %v, want ErrOutcomeUnknown", err)
	}
	// The controller's desired size is 3 again; it applies through the
	// answer of its last successful apply.
	if err := applyWidget(context.Background(), c, obj, size(3), owner); err != nil {
		t.Fatal(err)
	}
	got := &Widget{}
	if err := a.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Size != 3 {
		t.Errorf("server holds size %d after a successful apply of size 3 (%d applies sent): the apply after an unknown outcome was taken for a no-op",
			got.Spec.Size, a.applies.Load())
	}
}
