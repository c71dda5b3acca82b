package conflict_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The tests of this file hold the wait of an apply's next request for the
// callers its last answer ended (apply_gather.go). The first request is
// held by the test for hold, so that the wait, a quarter of it, is long
// enough under any load; the bound is set by the test.

// heldFirstApply makes a's first apply wait until release is closed.
func heldFirstApply(a *applyClient) (release chan struct{}) {
	release = make(chan struct{})
	a.onApply = func(ctx context.Context, n int, _ map[string]any) error {
		if n == 1 {
			<-release
		}
		return nil
	}
	return release
}

func setCondition(typ string) func(*Widget) error {
	return func(w *Widget) error {
		meta.SetStatusCondition(&w.Status.Conditions, cond(typ, "x"))
		return nil
	}
}

// conditionTypes are the types of the conditions in an apply's body.
func conditionTypes(body map[string]any) []string {
	status, _ := body["status"].(map[string]any)
	list, _ := status["conditions"].([]any)
	var types []string
	for _, c := range list {
		if m, ok := c.(map[string]any); ok {
			types = append(types, m["type"].(string))
		}
	}
	slices.Sort(types)
	return types
}

// A caller answered by a request that applies again at once (a worker
// pool's goroutine) shares the next request with the call that queued
// while the first was under way: two requests for three calls, where
// sending the queued call at once makes three.
func TestApplyNextRequestGathersTheCallersJustAnswered(t *testing.T) {
	defer conflict.SetMaxGather(time.Minute)()
	a := newApplyEnv(t, seed())
	release := heldFirstApply(a)
	first := make(chan error, 1)
	go func() {
		obj := byName()
		err := applyWidgetStatus(context.Background(), a, obj, setCondition("A1"), owner)
		if err == nil {
			err = applyWidgetStatus(context.Background(), a, obj, setCondition("A2"), owner)
		}
		first <- err
	}()
	for a.applies.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	queued := make(chan error, 1)
	go func() { queued <- applyWidgetStatus(context.Background(), a, byName(), setCondition("B"), owner) }()
	time.Sleep(time.Second) // B queues; the wait after the answer may be 250ms
	close(release)
	for _, done := range []chan error{first, queued} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := a.applies.Load(); n != 2 {
		t.Fatalf("%d applies for three calls, want 2: A2 and B in the second", n)
	}
	if got, want := conditionTypes(a.lastBody(t)), []string{"A1", "A2", "B"}; !slices.Equal(got, want) {
		t.Errorf("the second apply carries conditions %v, want %v", got, want)
	}
	if w := stored(t, a.Client); len(w.Status.Conditions) != 3 {
		t.Errorf("stored %d conditions, want 3", len(w.Status.Conditions))
	}
}

// A queued call whose request waits for a caller that never applies
// again is sent when the bound passes: the wait delays it, never strands
// it.
func TestApplyNextRequestWaitsNoLongerThanItsBound(t *testing.T) {
	defer conflict.SetMaxGather(100 * time.Millisecond)()
	a := newApplyEnv(t, seed())
	release := heldFirstApply(a)
	first := make(chan error, 1)
	go func() { first <- applyWidgetStatus(context.Background(), a, byName(), setCondition("A"), owner) }()
	for a.applies.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	queued := make(chan error, 1)
	go func() { queued <- applyWidgetStatus(context.Background(), a, byName(), setCondition("B"), owner) }()
	time.Sleep(time.Second)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-queued:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the queued call was not sent 30s after the request before it was answered")
	}
	if n := a.applies.Load(); n != 2 {
		t.Errorf("%d applies, want 2", n)
	}
}

// A single caller that applies again after its answer is sent at once:
// the request waits only for as many calls as the last answer ended and
// the queue held.
func TestApplyNextRequestOfASingleCallerDoesNotWait(t *testing.T) {
	defer conflict.SetMaxGather(time.Minute)()
	a := newApplyEnv(t, seed())
	release := heldFirstApply(a)
	obj := byName()
	go func() {
		time.Sleep(2 * time.Second) // the wait after this answer may be 500ms
		close(release)
	}()
	if err := applyWidgetStatus(context.Background(), a, obj, setCondition("A1"), owner); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := applyWidgetStatus(context.Background(), a, obj, setCondition("A2"), owner); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took >= 500*time.Millisecond {
		t.Errorf("the second apply took %v: it waited for calls nobody else made", took)
	}
	if n := a.applies.Load(); n != 2 {
		t.Errorf("%d applies, want 2", n)
	}
}
