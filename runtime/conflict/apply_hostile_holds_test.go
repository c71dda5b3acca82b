package conflict_test

import (
	"context"
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// Promises of Apply and ApplyStatus that hold against a hostile caller,
// against the fake server of apply_harness_test.go.

// TestApplyCallerLeavesWhileUnderWay: a caller whose context ends while
// its request is under way gets ErrOutcomeUnknown.
func TestApplyCallerLeavesWhileUnderWay(t *testing.T) {
	a := newApplyEnv(t, seed())
	a.onApply = func(ctx context.Context, _ int, _ map[string]any) error {
		<-ctx.Done()
		return ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := applyWidgetStatus(ctx, a, byName(), func(w *Widget) error { w.Status.ObservedGeneration = 1; return nil }, owner)
	if !errors.Is(err, conflict.ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrOutcomeUnknown", err)
	}
}

// TestApplyCombinedOwnershipConflictFailsOnlyItsCaller: a combined
// request refused for an ownership conflict is split; only the caller
// whose change was refused fails, with the typed error, and the others'
// changes are stored.
func TestApplyCombinedOwnershipConflictFailsOnlyItsCaller(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	release := make(chan struct{})
	a.onApply = func(ctx context.Context, n int, body map[string]any) error {
		if n == 1 {
			<-release
			return nil
		}
		if spec, ok := body["spec"].(map[string]any); ok && spec["size"] != nil {
			return apierrors.NewApplyConflict([]metav1.StatusCause{
				{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "other"`, Field: ".spec.size"},
			}, "Apply failed with 1 conflict")
		}
		return nil
	}
	first := make(chan error, 1)
	go func() {
		first <- applyWidget(context.Background(), a, byName(), func(w *Widget) error { w.Spec.Owner = "one"; return nil }, owner)
	}()
	for a.applies.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	sized, labelled := make(chan error, 1), make(chan error, 1)
	go func() {
		sized <- applyWidget(context.Background(), a, byName(), func(w *Widget) error { w.Spec.Size = 99; return nil }, owner)
	}()
	go func() {
		labelled <- applyWidget(context.Background(), a, byName(), func(w *Widget) error {
			w.Labels = map[string]string{"l": "v"}
			return nil
		}, owner)
	}()
	time.Sleep(settle)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	var owned *conflict.OwnershipError
	if err := <-sized; !errors.As(err, &owned) || !apierrors.IsConflict(err) {
		t.Errorf("the refused caller: err = %v, want an *OwnershipError", err)
	}
	if err := <-labelled; err != nil {
		t.Errorf("the other caller: %v", err)
	}
	if n := a.applies.Load(); n != 4 {
		t.Errorf("%d applies, want 4: the first, the combined one refused, then each change alone", n)
	}
	if w := stored(t, a.Client); w.Labels["l"] != "v" || w.Spec.Size == 99 {
		t.Errorf("stored labels %v and size %d, want the label and not the size", w.Labels, w.Spec.Size)
	}
}

// TestApplyMutateWithDuplicateListMapKeys: a mutate that appends a
// condition whose type is already there fails before any request; it
// does not panic.
func TestApplyMutateWithDuplicateListMapKeys(t *testing.T) {
	a := newApplyEnv(t, seedWithStatus())
	err := applyWidgetStatus(context.Background(), a, byName(), func(w *Widget) error {
		w.Status.Conditions = append(w.Status.Conditions, cond("A", "again"))
		return nil
	}, owner)
	if err == nil {
		t.Error("duplicate condition types: no error")
	}
	if n := a.applies.Load(); n != 0 {
		t.Errorf("%d applies sent, want none", n)
	}
}
