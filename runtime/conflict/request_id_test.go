package conflict_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// grow is a mutate that cannot be made idempotent by looking at the
// object: it adds one, as NodeGroupIncreaseSize(+1) does.
func grow(w *Widget) error { w.Spec.Size++; return nil }

// loseAnswer makes write n of h store its object and then fail as a lost
// connection does: the caller cannot know the write landed.
func loseAnswer(h *hookClient, server client.Client, n int) {
	h.onWrite = func(ctx context.Context, w *Widget, _ bool, i int) error {
		if i != n {
			return nil
		}
		if err := server.Update(ctx, w.DeepCopy()); err != nil {
			return err
		}
		return errors.New("read tcp: connection reset by peer")
	}
}

// A request whose answer was lost, retried with the same ID, is applied
// once: the retry finds the ID on the object and writes nothing.
func TestRequestRetriedAfterALostAnswerIsAppliedOnce(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			loseAnswer(h, server, 1)
			obj := read(t, server)
			opts := []conflict.Option{conflict.WithRequestID("req-1"), conflict.WithCombining(mode.on)}

			err := updateWidget(testCtx(t), h, obj.DeepCopy(), grow, opts...)
			if !errors.Is(err, conflict.ErrOutcomeUnknown) {
				t.Fatalf("first call: err = %v, want ErrOutcomeUnknown", err)
			}
			// The caller retries with what it held: that copy does not
			// show the ID, so its write conflicts, and the fresh read does.
			retried := obj.DeepCopy()
			if err := updateWidget(testCtx(t), h, retried, grow, opts...); err != nil {
				t.Fatalf("retry: %v", err)
			}
			got := stored(t, server)
			if got.Spec.Size != 2 {
				t.Errorf("size %d, want 2: seed 1, the request applied once", got.Spec.Size)
			}
			// Retried with the object as it is now, it costs no write.
			writes := h.writes.Load()
			ran := false
			if err := updateWidget(testCtx(t), h, got.DeepCopy(), func(w *Widget) error { ran = true; return grow(w) }, opts...); err != nil {
				t.Fatal(err)
			}
			if ran || h.writes.Load() != writes {
				t.Errorf("retry from a current copy: mutate ran %v, %d writes; want neither", ran, h.writes.Load()-writes)
			}
			if retried.ResourceVersion != got.ResourceVersion || retried.Spec.Size != 2 {
				t.Errorf("retry's obj = rv %s size %d, want the object as read (rv %s)", retried.ResourceVersion, retried.Spec.Size, got.ResourceVersion)
			}
			// A new request is applied.
			if err := updateWidget(testCtx(t), h, retried, grow, conflict.WithRequestID("req-2"), conflict.WithCombining(mode.on)); err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); got.Spec.Size != 3 {
				t.Errorf("size after a second request = %d, want 3", got.Spec.Size)
			}
		})
	}
}

// Combined, every request of a batch is checked in order on the working
// copy, and all their IDs go into the one write.
func TestCombinedRequestsRecordEveryIDInOneWrite(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	call := func(id string) func() error {
		return func() error { return updateWidget(bg, h, byName(), grow, conflict.WithRequestID(id)) }
	}
	first, others := heldBatch(t, h, call("a"), call("b"), call("c"), call("b"))
	mustSucceed(t, first, "first")
	for i, ch := range others {
		mustSucceed(t, ch, "caller "+string(rune('1'+i)))
	}
	got := stored(t, server)
	if got.Spec.Size != 4 || h.writes.Load() != 2 {
		t.Errorf("size %d in %d writes; want 4 (seed 1, a, b, c; b once) in 2 writes", got.Spec.Size, h.writes.Load())
	}
	log := got.Annotations[conflict.RequestLogAnnotation]
	for _, id := range []string{"a", "b", "c"} {
		if strings.Count(log, id+"@") != 1 {
			t.Errorf("log %q: want %s once", log, id)
		}
	}
}

// A mutate that changes nothing records nothing; a malformed ID, or one
// given to a status write of a kind that names no status log (the write
// cannot record it), is refused before anything is read or written.
func TestRequestIDsThatCannotBeKept(t *testing.T) {
	h, server := newEnv(t, seed())
	if err := updateWidget(testCtx(t), h, byName(), func(*Widget) error { return nil }, conflict.WithRequestID("noop")); err != nil {
		t.Fatal(err)
	}
	if log := stored(t, server).Annotations[conflict.RequestLogAnnotation]; log != "" || h.writes.Load() != 0 {
		t.Errorf("no-op: log %q, writes %d; want nothing recorded or written", log, h.writes.Load())
	}
	h.gets.Store(0)
	for _, id := range []string{"", "white space", strings.Repeat("x", 129), "ünicode"} {
		err := updateWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID(id))
		if !errors.Is(err, conflict.ErrInvalidRequestID) {
			t.Errorf("id %q: err = %v, want ErrInvalidRequestID", id, err)
		}
	}
	err := updateWidgetStatus(testCtx(t), h, byName(), func(w *Widget) error { w.Status.Ready = true; return nil }, conflict.WithRequestID("ok-id"))
	if !errors.Is(err, conflict.ErrNoStatusRequestLog) || !strings.Contains(err.Error(), "+conflict:requestLog=") {
		t.Errorf("status write of a kind without a status log: err = %v, want ErrNoStatusRequestLog naming the marker", err)
	}
	if h.gets.Load() != 0 || h.writes.Load() != 0 {
		t.Errorf("refused calls made %d reads and %d writes, want none", h.gets.Load(), h.writes.Load())
	}
}

// CreateOrUpdate records the ID in the object it creates: a retry of the
// create finds it.
func TestCreateOrUpdateRecordsTheRequestID(t *testing.T) {
	h, server := newEnv(t)
	for i := range 2 {
		result, err := createOrUpdateWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID("create-1"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{0: "created", 1: "unchanged"}[i]
		if string(result) != want {
			t.Errorf("call %d: result %s, want %s", i, result, want)
		}
	}
	if got := stored(t, server); got.Spec.Size != 1 {
		t.Errorf("size %d, want 1: the retried create is not applied again", got.Spec.Size)
	}
}
