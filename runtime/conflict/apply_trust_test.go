package conflict_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

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

// valueClient is a client that is a struct value with a func field, as
// controller-runtime's interceptor client is: not comparable.
type valueClient struct {
	client.Client
	hook func()
}

// TestApplyThroughAStructValueClientDoesNotCrash: the README says a
// client that is a struct value with func fields (controller-runtime's
// interceptor) "runs uncombined". An apply through one takes its calls
// from the queue by comparing each call's reader (the client, when no
// WithReader is given) with the first's, with !=: comparing
// uncomparable interface values panics, in the queue's own goroutine,
// where nothing recovers it. A single ApplyStatus brings the process
// down. The apply runs in a child process so the panic is contained.
func TestApplyThroughAStructValueClientDoesNotCrash(t *testing.T) {
	switch os.Getenv("APPLY_VALUE_CLIENT_CHILD") {
	case "value":
		a := newApplyEnv(t, seed())
		c := valueClient{Client: a, hook: func() {}}
		err := applyWidgetStatus(context.Background(), c, byName(), func(w *Widget) error {
			meta.SetStatusCondition(&w.Status.Conditions, cond("A", "a"))
			return nil
		}, owner)
		if err != nil {
			t.Fatalf("apply through a struct-value client: %v", err)
		}
		return
	case "interceptor":
		// controller-runtime's own interceptor: whatever the apply's
		// outcome on the fake server, it must not panic.
		_, server := newEnv(t, seed())
		c := interceptor.NewClient(server.(client.WithWatch), interceptor.Funcs{})
		_ = applyWidget(context.Background(), c, byName(), func(w *Widget) error { w.Spec.Owner = "me"; return nil }, owner)
		return
	}
	for _, child := range []string{"value", "interceptor"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestApplyThroughAStructValueClientDoesNotCrash$", "-test.count=1")
		cmd.Env = append(os.Environ(), "APPLY_VALUE_CLIENT_CHILD="+child)
		out, err := cmd.CombinedOutput()
		if err != nil {
			first := string(out)
			if i := strings.Index(first, "\ngoroutine "); i > 0 {
				first = first[:i]
			}
			t.Errorf("one apply through a %s client: %v\n%s", child, err, first)
		}
	}
}
