package conflict_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// More callers as they are written in the wild.

// Rule: a mutate that ends its goroutine (runtime.Goexit, as t.FailNow or
// require in a test's mutate does) ends its caller only, as it would
// uncombined; the others are written and the object stays usable.
func TestGoexitInMutateEndsOnlyItsCaller(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	first, others := heldBatch(t, h,
		func() error { return updateWidget(bg, h, byName(), setSize(10)) },
		func() error {
			return updateWidget(bg, h, byName(), func(*Widget) error { runtime.Goexit(); return nil })
		},
		func() error { return updateWidget(bg, h, byName(), addTag("c")) },
	)
	mustSucceed(t, first, "first caller")
	if o, ok := await(t, others[0], hangTimeout, "caller whose mutate called Goexit"); ok && !o.goexit {
		t.Errorf("caller whose mutate called Goexit: %+v, want its goroutine ended", o)
	}
	mustSucceed(t, others[1], "caller combined with the Goexit")
	mustSucceed(t, async(func() error { return updateWidget(bg, h, byName(), setOwner("later")) }), "a later update")
	got := stored(t, server)
	if got.Spec.Size != 10 || !slices.Equal(got.Spec.Tags, []string{"c"}) || got.Spec.Owner != "later" {
		t.Errorf("stored spec = %+v", got.Spec)
	}
}

// Rule: a slow mutate (it calls out, say) combined with fast ones: every
// caller's change is stored exactly once, however often mutate ran.
func TestSlowMutateCombinedWithFastOnes(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	first, others := heldBatch(t, h,
		func() error { return updateWidget(bg, h, byName(), setSize(10)) },
		func() error {
			return updateWidget(bg, h, byName(), func(w *Widget) error {
				time.Sleep(300 * time.Millisecond)
				w.Spec.Tags = append(w.Spec.Tags, "slow")
				return nil
			})
		},
		func() error { return updateWidget(bg, h, byName(), addTag("fast")) },
	)
	mustSucceed(t, first, "first caller")
	mustSucceed(t, others[0], "slow caller")
	mustSucceed(t, others[1], "fast caller")
	got := stored(t, server)
	slices.Sort(got.Spec.Tags)
	if !slices.Equal(got.Spec.Tags, []string{"fast", "slow"}) {
		t.Errorf("stored tags = %v, want fast and slow once each", got.Spec.Tags)
	}
}

// Rule: combined, each call has the outcome it would have had alone. The
// object was deleted and created again; a caller still holding the old
// incarnation gets ErrObjectReplaced, and a caller by name, combined with
// it, updates the object that exists now, as it would have alone.
func TestCallByNameCombinedWithAStaleCallerOfAReplacedObject(t *testing.T) {
	h, server := newEnv(t, seed())
	stale := read(t, server)
	replace(t, server, "uid-2")
	bg := context.Background()
	first, others := heldBatch(t, h,
		func() error { return updateWidget(bg, h, byName(), setSize(10), fastBackoff) },
		func() error { return updateWidget(bg, h, stale, setOwner("stale"), fastBackoff) },
		func() error { return updateWidget(bg, h, byName(), addTag("by name"), fastBackoff) },
	)
	mustSucceed(t, first, "first caller")
	if o, ok := await(t, others[0], hangTimeout, "caller with the old incarnation"); ok && !errors.Is(o.err, conflict.ErrObjectReplaced) {
		t.Errorf("caller with the old incarnation: err = %v, want ErrObjectReplaced", o.err)
	}
	mustSucceed(t, others[1], "caller by name")
	got := stored(t, server)
	if got.UID != "uid-2" || got.Spec.Owner == "stale" || !slices.Equal(got.Spec.Tags, []string{"by name"}) {
		t.Errorf("stored = uid %q spec %+v, want uid-2 with the tag by name and not the stale owner", got.UID, got.Spec)
	}
}

// Rule: a call whose context has already ended does nothing.
func TestCallWithAnEndedContextDoesNothing(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, _ := newEnv(t, seed())
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			ran := false
			err := updateWidget(ctx, h, byName(), func(w *Widget) error { ran = true; return nil }, conflict.WithCombining(mode.on))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if ran || h.writes.Load() != 0 {
				t.Errorf("mutate ran %v, writes %d; want nothing done", ran, h.writes.Load())
			}
		})
	}
}
