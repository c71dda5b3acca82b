package conflict_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The everyday behaviour of the helpers, with combining on (the default)
// and off.

var combiningModes = []struct {
	name string
	on   bool
}{{"combining", true}, {"uncombined", false}}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestUpdateWritesTheMutationAndReturnsTheServersObject(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			err := updateWidget(testCtx(t), h, obj, func(w *Widget) error {
				w.Spec.Size = 2
				return nil
			}, conflict.WithCombining(mode.on))
			if err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if got.Spec.Size != 2 || got.Spec.Owner != "seed" {
				t.Errorf("stored spec = %+v, want size 2 and owner seed", got.Spec)
			}
			if obj.ResourceVersion != got.ResourceVersion || obj.Spec.Size != 2 {
				t.Errorf("obj = rv %q size %d, want the server's answer rv %q size 2", obj.ResourceVersion, obj.Spec.Size, got.ResourceVersion)
			}
			if n := h.writes.Load(); n != 1 {
				t.Errorf("writes = %d, want 1", n)
			}
		})
	}
}

func TestUpdateByNameReadsTheObjectFirst(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := byName()
			err := updateWidget(testCtx(t), h, obj, func(w *Widget) error {
				if w.Spec.Owner != "seed" {
					return fmt.Errorf("mutate got owner %q, want the stored %q", w.Spec.Owner, "seed")
				}
				w.Spec.Tags = append(w.Spec.Tags, "x")
				return nil
			}, conflict.WithCombining(mode.on))
			if err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); !slices.Equal(got.Spec.Tags, []string{"x"}) || got.Spec.Size != 1 {
				t.Errorf("stored spec = %+v", got.Spec)
			}
			if obj.Spec.Owner != "seed" || obj.UID != "uid-1" {
				t.Errorf("obj not filled from the server: %+v", obj.ObjectMeta)
			}
		})
	}
}

func TestUpdateRetriesAConflictOnTheFreshObject(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			otherWriter(t, server, func(w *Widget) { w.Spec.Size = 7 })
			calls := 0
			err := updateWidget(testCtx(t), h, obj, func(w *Widget) error {
				calls++
				w.Spec.Owner = "me"
				return nil
			}, conflict.WithCombining(mode.on))
			if err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if got.Spec.Size != 7 || got.Spec.Owner != "me" {
				t.Errorf("stored spec = %+v, want the other writer's size 7 kept and owner me", got.Spec)
			}
			if calls < 2 {
				t.Errorf("mutate ran %d times, want again after the conflict", calls)
			}
		})
	}
}

// A mutate that changes nothing writes nothing (it may read to confirm).
func TestUpdateThatChangesNothingWritesNothing(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			if err := updateWidget(testCtx(t), h, obj, setSize(1), conflict.WithCombining(mode.on)); err != nil {
				t.Fatal(err)
			}
			if err := updateWidgetStatus(testCtx(t), h, byName(), func(w *Widget) error { w.Status.Ready = false; return nil },
				conflict.WithCombining(mode.on)); err != nil {
				t.Fatal(err)
			}
			if n := h.writes.Load(); n != 0 {
				t.Errorf("writes = %d, want 0", n)
			}
			if got := stored(t, server); obj.ResourceVersion != got.ResourceVersion {
				t.Errorf("obj rv %q, stored %q", obj.ResourceVersion, got.ResourceVersion)
			}
		})
	}
}

func TestUpdateMutateErrorWritesNothing(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			boom := errors.New("boom")
			err := updateWidget(testCtx(t), h, read(t, server), func(w *Widget) error {
				w.Spec.Size = 9
				return boom
			}, conflict.WithCombining(mode.on))
			if !errors.Is(err, boom) {
				t.Errorf("err = %v, want mutate's error", err)
			}
			if n := h.writes.Load(); n != 0 {
				t.Errorf("writes = %d, want 0", n)
			}
		})
	}
}

func TestUpdateRefusesAMutateThatRenamesTheObject(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			err := updateWidget(testCtx(t), h, read(t, server), func(w *Widget) error {
				w.Name = "other"
				return nil
			}, conflict.WithCombining(mode.on))
			if !errors.Is(err, conflict.ErrInvalidMutation) {
				t.Errorf("err = %v, want ErrInvalidMutation", err)
			}
			if n := h.writes.Load(); n != 0 {
				t.Errorf("writes = %d, want 0", n)
			}
		})
	}
}

func TestUpdateGivesUpWithAnErrorThatIsAConflict(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			h.onWrite = func(_ context.Context, w *Widget, _ bool, _ int) error { return conflictErr(w.Name) }
			err := updateWidget(testCtx(t), h, read(t, server), func(w *Widget) error {
				w.Spec.Size = 9
				return nil
			}, conflict.WithCombining(mode.on), conflict.WithBudget(50*time.Millisecond))
			var gaveUp *conflict.Error
			if !errors.As(err, &gaveUp) || !apierrors.IsConflict(err) {
				t.Fatalf("err = %v, want a *conflict.Error that is a conflict", err)
			}
			if gaveUp.Attempts < 1 {
				t.Errorf("attempts = %d", gaveUp.Attempts)
			}
		})
	}
}

func TestUpdateStatusWritesTheStatus(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			err := updateWidgetStatus(testCtx(t), h, obj, func(w *Widget) error {
				w.Status.Ready = true
				w.Status.ObservedGeneration = w.Generation
				w.Status.Conditions = append(w.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue,
					Reason: "Up", LastTransitionTime: metav1.Now()})
				return nil
			}, conflict.WithCombining(mode.on))
			if err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if !got.Status.Ready || got.Status.ObservedGeneration != 1 || len(got.Status.Conditions) != 1 {
				t.Errorf("stored status = %+v", got.Status)
			}
			if !obj.Status.Ready || obj.ResourceVersion != got.ResourceVersion {
				t.Errorf("obj does not hold the server's answer")
			}
		})
	}
}

// Many goroutines updating one object, each adding its own tag: every
// tag is stored, whatever the calls were combined into.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			const n = 16
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = updateWidget(testCtx(t), h, byName(), func(w *Widget) error {
						w.Spec.Tags = append(w.Spec.Tags, fmt.Sprintf("t%02d", i))
						return nil
					}, conflict.WithCombining(mode.on), conflict.WithBackoff(conflict.Backoff{Initial: time.Millisecond, Factor: 1.5, Jitter: 1, Cap: 20 * time.Millisecond}))
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
			}
			got := stored(t, server).Spec.Tags
			slices.Sort(got)
			if len(got) != n || len(slices.Compact(slices.Clone(got))) != n {
				t.Errorf("stored tags = %v, want %d distinct", got, n)
			}
			t.Logf("%d updates, %d writes", n, h.writes.Load())
		})
	}
}

func TestCreateOrUpdateCreatesUpdatesAndLeavesAlone(t *testing.T) {
	h, server := newEnv(t)
	ctx := testCtx(t)
	res, err := createOrUpdateWidget(ctx, h, byName(), setSize(3))
	if err != nil || res != controllerutil.OperationResultCreated {
		t.Fatalf("first call = %v, %v; want created", res, err)
	}
	if got := stored(t, server); got.Spec.Size != 3 {
		t.Errorf("created size = %d", got.Spec.Size)
	}
	res, err = createOrUpdateWidget(ctx, h, byName(), setSize(4))
	if err != nil || res != controllerutil.OperationResultUpdated {
		t.Fatalf("second call = %v, %v; want updated", res, err)
	}
	obj := byName()
	res, err = createOrUpdateWidget(ctx, h, obj, setSize(4))
	if err != nil || res != controllerutil.OperationResultNone {
		t.Fatalf("third call = %v, %v; want unchanged", res, err)
	}
	if obj.Spec.Size != 4 || obj.ResourceVersion == "" {
		t.Errorf("obj not filled from the server: %+v", obj)
	}
}

func TestUpdateFromMergesOntoTheFreshObjectAfterAConflict(t *testing.T) {
	h, server := newEnv(t, seed())
	original := read(t, server)
	modified := original.DeepCopy()
	modified.Spec.Owner = "me"
	otherWriter(t, server, func(w *Widget) { w.Spec.Size = 7 })
	if err := updateWidgetFrom(testCtx(t), h, original, modified); err != nil {
		t.Fatal(err)
	}
	got := stored(t, server)
	if got.Spec.Size != 7 || got.Spec.Owner != "me" {
		t.Errorf("stored spec = %+v, want size 7 (theirs) and owner me (mine)", got.Spec)
	}
	if modified.ResourceVersion != got.ResourceVersion {
		t.Errorf("modified does not hold the server's answer")
	}
}

func TestUpdateStatusFromMergesOntoTheFreshObjectAfterAConflict(t *testing.T) {
	h, server := newEnv(t, seed())
	original := read(t, server)
	modified := original.DeepCopy()
	modified.Status.Ready = true
	otherStatusWriter(t, server, func(w *Widget) { w.Status.ObservedGeneration = 1 })
	if err := updateWidgetStatusFrom(testCtx(t), h, original, modified); err != nil {
		t.Fatal(err)
	}
	got := stored(t, server)
	if !got.Status.Ready || got.Status.ObservedGeneration != 1 {
		t.Errorf("stored status = %+v, want ready (mine) and observedGeneration 1 (theirs)", got.Status)
	}
}

// UpdateFrom with modified equal to original has nothing to write: it
// reads and writes nothing, even when the server moved on meanwhile.
func TestUpdateFromWithNothingChangedReadsAndWritesNothing(t *testing.T) {
	h, server := newEnv(t, seed())
	original := read(t, server)
	otherWriter(t, server, func(w *Widget) { w.Spec.Owner = "other" })
	h.gets.Store(0)
	if err := updateWidgetFrom(testCtx(t), h, original, original.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	if h.gets.Load() != 0 || h.writes.Load() != 0 {
		t.Errorf("%d reads, %d writes; want none", h.gets.Load(), h.writes.Load())
	}
	if got := stored(t, server); got.Spec.Owner != "other" {
		t.Errorf("owner %q, want the other writer's", got.Spec.Owner)
	}
}
