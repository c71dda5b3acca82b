package conflict_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// observe is a status mutate that cannot be made idempotent by looking at
// the object: it counts, as a handler recording one more event would.
func observe(w *Widget) error { w.Status.ObservedGeneration++; return nil }

// loseStatusAnswer makes write n of h, a status write, store its object
// and then fail as a lost connection does.
func loseStatusAnswer(h *hookClient, server client.Client, n int) {
	h.onWrite = func(ctx context.Context, w *Widget, status bool, i int) error {
		if i != n {
			return nil
		}
		if !status {
			return fmt.Errorf("write %d went through the main resource, want /status", i)
		}
		if err := server.Status().Update(ctx, w.DeepCopy()); err != nil {
			return err
		}
		return errors.New("read tcp: connection reset by peer")
	}
}

// statusLogEntries counts the entries of the status log that record id.
func statusLogEntries(w *Widget, id string) int {
	n := 0
	for _, e := range w.Status.RequestLog {
		if strings.HasPrefix(e, id+"@") {
			n++
		}
	}
	return n
}

// A status write whose answer was lost, retried with the same ID, is
// applied once: the ID went into the status in the same write, and the
// retry finds it there before its mutate runs. A new ID is applied. The
// main resource's log is another log: an ID it records does not suppress
// a status write, nor the other way round.
func TestStatusRequestRetriedAfterALostAnswerIsAppliedOnce(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			loseStatusAnswer(h, server, 1)
			obj := read(t, server)
			opts := []conflict.Option{conflict.WithRequestID("status-1"), conflict.WithCombining(mode.on)}

			err := updateLoggedWidgetStatus(testCtx(t), h, obj.DeepCopy(), observe, opts...)
			if !errors.Is(err, conflict.ErrOutcomeUnknown) {
				t.Fatalf("first call: err = %v, want ErrOutcomeUnknown", err)
			}
			ran := false
			retried := obj.DeepCopy()
			if err := updateLoggedWidgetStatus(testCtx(t), h, retried, func(w *Widget) error { ran = true; return observe(w) }, opts...); err != nil {
				t.Fatalf("retry: %v", err)
			}
			got := stored(t, server)
			if got.Status.ObservedGeneration != 1 {
				t.Errorf("observed %d, want 1: the request applied once", got.Status.ObservedGeneration)
			}
			if n := statusLogEntries(got, "status-1"); n != 1 {
				t.Errorf("status log %q holds status-1 %d times, want once", got.Status.RequestLog, n)
			}
			if _, ok := got.Annotations[conflict.RequestLogAnnotation]; ok {
				t.Errorf("annotation log %q written by a status write", got.Annotations[conflict.RequestLogAnnotation])
			}
			// The retry ran mutate on the stale copy it held (that copy
			// lacks the ID), conflicted, and found the ID on the fresh one.
			if !ran || retried.ResourceVersion != got.ResourceVersion {
				t.Errorf("retry: mutate ran %v, obj at rv %s; want the stale copy tried and obj as read (rv %s)", ran, retried.ResourceVersion, got.ResourceVersion)
			}

			if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, conflict.WithRequestID("status-2"), conflict.WithCombining(mode.on)); err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); got.Status.ObservedGeneration != 2 {
				t.Errorf("observed after a second request = %d, want 2", got.Status.ObservedGeneration)
			}

			// The same ID through the main resource is a request of its
			// own, recorded in the annotation; the status log still
			// suppresses the status request.
			if err := updateLoggedWidget(testCtx(t), h, byName(), grow, opts...); err != nil {
				t.Fatal(err)
			}
			if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, opts...); err != nil {
				t.Fatal(err)
			}
			got = stored(t, server)
			if got.Spec.Size != 2 || got.Status.ObservedGeneration != 2 {
				t.Errorf("size %d, observed %d; want 2 and 2: each log answers for its own writes", got.Spec.Size, got.Status.ObservedGeneration)
			}
			if !strings.Contains(got.Annotations[conflict.RequestLogAnnotation], "status-1@") {
				t.Errorf("annotation log %q lacks the main-resource write's ID", got.Annotations[conflict.RequestLogAnnotation])
			}
		})
	}
}

// Combined, every status request of a batch is checked in order on the
// working copy, and all their IDs go into the one status write.
func TestCombinedStatusRequestsRecordEveryIDInOneWrite(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	call := func(id string) func() error {
		return func() error { return updateLoggedWidgetStatus(bg, h, byName(), observe, conflict.WithRequestID(id)) }
	}
	first, others := heldBatch(t, h, call("a"), call("b"), call("c"), call("b"))
	mustSucceed(t, first, "first")
	for i, ch := range others {
		mustSucceed(t, ch, "caller "+strconv.Itoa(i+1))
	}
	got := stored(t, server)
	if got.Status.ObservedGeneration != 3 || h.writes.Load() != 2 {
		t.Errorf("observed %d in %d writes; want 3 (a, b, c; b once) in 2 writes", got.Status.ObservedGeneration, h.writes.Load())
	}
	for _, id := range []string{"a", "b", "c"} {
		if n := statusLogEntries(got, id); n != 1 {
			t.Errorf("status log %q holds %s %d times, want once", got.Status.RequestLog, id, n)
		}
	}
}

// The status log has the annotation's bounds: entries older than
// RequestLogTTL and beyond RequestLogSize are dropped (and so is what it
// cannot read), and a request retried after its entry was dropped is
// applied again. A mutate that changes nothing records nothing.
func TestStatusRequestLogIsBounded(t *testing.T) {
	now := time.Now()
	w := seed()
	w.Status.RequestLog = []string{
		"expired@" + strconv.FormatInt(now.Add(-conflict.RequestLogTTL-time.Minute).Unix(), 10),
		"garbage",
		"recent@" + strconv.FormatInt(now.Add(-time.Minute).Unix(), 10),
	}
	h, server := newEnv(t, w)
	status := func(id string) {
		t.Helper()
		if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, conflict.WithRequestID(id)); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	// Entries are dropped when the next request is recorded, as in the
	// annotation: until then an expired one still counts.
	status("new")
	status("recent")
	status("expired")
	got := stored(t, server)
	if got.Status.ObservedGeneration != 2 {
		t.Errorf("observed %d, want 2: new applied, recent suppressed, expired applied again", got.Status.ObservedGeneration)
	}
	if len(got.Status.RequestLog) != 3 || got.Status.RequestLog[0] != w.Status.RequestLog[2] || !strings.HasPrefix(got.Status.RequestLog[2], "expired@") {
		t.Errorf("log %q, want the recent entry, new and expired", got.Status.RequestLog)
	}

	writes := h.writes.Load()
	if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), func(*Widget) error { return nil }, conflict.WithRequestID("noop")); err != nil {
		t.Fatal(err)
	}
	if h.writes.Load() != writes || statusLogEntries(stored(t, server), "noop") != 0 {
		t.Errorf("a mutate that changes nothing: %d writes, log %q; want nothing written or recorded", h.writes.Load()-writes, stored(t, server).Status.RequestLog)
	}

	for i := range conflict.RequestLogSize {
		status(fmt.Sprintf("r-%d", i))
	}
	got = stored(t, server)
	if len(got.Status.RequestLog) != conflict.RequestLogSize || slices.ContainsFunc(got.Status.RequestLog, func(e string) bool { return strings.HasPrefix(e, "recent@") }) {
		t.Fatalf("log of %d entries %q; want %d, without the oldest", len(got.Status.RequestLog), got.Status.RequestLog[:3], conflict.RequestLogSize)
	}
	before := got.Status.ObservedGeneration
	status("recent") // dropped for the count: applied again
	status("r-1")    // still logged
	if got := stored(t, server).Status.ObservedGeneration; got != before+1 {
		t.Errorf("observed %d, want %d: recent applied again, r-1 suppressed", got, before+1)
	}
}

// UpdateStatusFrom keeps the ID in the status log too: a merged write
// whose answer was lost, retried with the same ID, is applied once, and so
// does not undo what another writer changed in between.
func TestStatusFromRetriedAfterALostAnswerIsAppliedOnce(t *testing.T) {
	h, server := newEnv(t, seed())
	loseStatusAnswer(h, server, 1)
	original := read(t, server)
	edit := func() *Widget {
		m := original.DeepCopy()
		m.Status.Ready = !m.Status.Ready
		m.Status.ObservedGeneration++
		return m
	}
	opt := conflict.WithRequestID("from-1")
	err := updateLoggedWidgetStatusFrom(testCtx(t), h, original.DeepCopy(), edit(), opt)
	if !errors.Is(err, conflict.ErrOutcomeUnknown) {
		t.Fatalf("first call: err = %v, want ErrOutcomeUnknown", err)
	}
	// Another writer moves the count on before the retry: applied a
	// second time, the retried merge would set it back.
	otherStatusWriter(t, server, func(w *Widget) { w.Status.ObservedGeneration = 5 })
	modified := edit()
	if err := updateLoggedWidgetStatusFrom(testCtx(t), h, original.DeepCopy(), modified, opt); err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := stored(t, server)
	if got.Status.ObservedGeneration != 5 || !got.Status.Ready || statusLogEntries(got, "from-1") != 1 {
		t.Errorf("observed %d, ready %v, log %q; want the other writer's 5, the edit applied once and from-1 logged once", got.Status.ObservedGeneration, got.Status.Ready, got.Status.RequestLog)
	}
	if modified.ResourceVersion != got.ResourceVersion {
		t.Errorf("modified at rv %s, want the object as read (rv %s)", modified.ResourceVersion, got.ResourceVersion)
	}
}

// The log is the runtime's: a mutate that drops it, or a merge that takes
// the caller's whole status (with the log as the caller read it), does
// not drop the IDs other requests recorded, and a mutate that changes
// nothing but the log writes nothing.
func TestStatusRequestLogIsTheRuntimes(t *testing.T) {
	h, server := newEnv(t, seed())
	id := func(s string) conflict.Option { return conflict.WithRequestID(s) }
	if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, id("a")); err != nil {
		t.Fatal(err)
	}
	err := updateLoggedWidgetStatus(testCtx(t), h, byName(), func(w *Widget) error {
		w.Status.RequestLog = nil
		w.Status.Ready = true
		return nil
	}, id("b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := stored(t, server); statusLogEntries(got, "a") != 1 || statusLogEntries(got, "b") != 1 || !got.Status.Ready {
		t.Errorf("log %q, ready %v; want a and b logged: a mutate cannot drop the log", got.Status.RequestLog, got.Status.Ready)
	}
	writes := h.writes.Load()
	err = updateLoggedWidgetStatus(testCtx(t), h, byName(), func(w *Widget) error {
		w.Status.RequestLog = append(w.Status.RequestLog, "forged@1")
		return nil
	}, id("c"))
	if err != nil {
		t.Fatal(err)
	}
	if got := stored(t, server); h.writes.Load() != writes || len(got.Status.RequestLog) != 2 {
		t.Errorf("a mutate that changes only the log: %d writes, log %q; want none, and the log as it was", h.writes.Load()-writes, got.Status.RequestLog)
	}

	// A caller read the object; another request is recorded since; the
	// caller's merged write takes its own whole status.
	original := read(t, server)
	if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, id("d")); err != nil {
		t.Fatal(err)
	}
	modified := original.DeepCopy()
	modified.Status.ObservedGeneration = 7
	takeDesiredStatus := func(_, current, desired *Widget) (*Widget, error) {
		out := current.DeepCopy()
		out.Status = *desired.Status.DeepCopy()
		return out, nil
	}
	if err := updateLoggedWidgetStatusMerged(testCtx(t), h, original, modified, takeDesiredStatus, id("e")); err != nil {
		t.Fatal(err)
	}
	got := stored(t, server)
	for _, want := range []string{"a", "b", "d", "e"} {
		if statusLogEntries(got, want) != 1 {
			t.Errorf("log %q: want %s once", got.Status.RequestLog, want)
		}
	}
	if got.Status.ObservedGeneration != 7 {
		t.Errorf("observed %d, want 7", got.Status.ObservedGeneration)
	}
}

// The same holds for the annotation log of main-resource writes: a mutate
// that drops the object's annotations does not drop the IDs.
func TestAnnotationRequestLogIsTheRuntimes(t *testing.T) {
	h, server := newEnv(t, seed())
	if err := updateWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID("x")); err != nil {
		t.Fatal(err)
	}
	err := updateWidget(testCtx(t), h, byName(), func(w *Widget) error {
		w.Annotations = map[string]string{"team": "a"}
		return grow(w)
	}, conflict.WithRequestID("y"))
	if err != nil {
		t.Fatal(err)
	}
	got := stored(t, server)
	log := got.Annotations[conflict.RequestLogAnnotation]
	if !strings.Contains(log, "x@") || !strings.Contains(log, "y@") || got.Annotations["team"] != "a" || got.Spec.Size != 3 {
		t.Errorf("annotations %v, size %d; want x and y logged, team=a, size 3", got.Annotations, got.Spec.Size)
	}
}

// A status request whose mutate failed, or whose write the server refused,
// stored nothing, its ID included: retried with the same ID, it is
// applied, once.
func TestFailedStatusRequestRecordsNothing(t *testing.T) {
	h, server := newEnv(t, seed())
	h.onWrite = func(_ context.Context, _ *Widget, _ bool, n int) error {
		if n == 1 {
			return apierrors.NewForbidden(widgetsGR, testName, errors.New("denied by a webhook"))
		}
		return nil
	}
	id := conflict.WithRequestID("r")
	boom := errors.New("boom")
	if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), func(*Widget) error { return boom }, id); !errors.Is(err, boom) {
		t.Fatalf("failing mutate: err = %v", err)
	}
	if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, id); !apierrors.IsForbidden(err) {
		t.Fatalf("refused write: err = %v, want 403", err)
	}
	if got := stored(t, server); len(got.Status.RequestLog) != 0 {
		t.Fatalf("log %q after failed calls, want empty", got.Status.RequestLog)
	}
	for range 2 {
		if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := stored(t, server); got.Status.ObservedGeneration != 1 || statusLogEntries(got, "r") != 1 {
		t.Errorf("observed %d, log %q; want 1 and r once", got.Status.ObservedGeneration, got.Status.RequestLog)
	}
}

// Calls without a request ID keep the log too: a reconciler that builds
// the status afresh, or sets the annotations it wants, does not drop the
// IDs that requests recorded, so their retries are still recognised.
func TestWritesWithoutARequestIDKeepTheLog(t *testing.T) {
	h, server := newEnv(t, seed())
	if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, conflict.WithRequestID("s")); err != nil {
		t.Fatal(err)
	}
	if err := updateLoggedWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID("m")); err != nil {
		t.Fatal(err)
	}
	err := updateLoggedWidgetStatus(testCtx(t), h, byName(), func(w *Widget) error {
		w.Status = WidgetStatus{Ready: true, ObservedGeneration: w.Status.ObservedGeneration}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := updateLoggedWidget(testCtx(t), h, byName(), func(w *Widget) error {
		w.Annotations = map[string]string{"team": "b"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := stored(t, server)
	if !got.Status.Ready || got.Annotations["team"] != "b" || statusLogEntries(got, "s") != 1 || !strings.Contains(got.Annotations[conflict.RequestLogAnnotation], "m@") {
		t.Fatalf("ready %v, annotations %v, status log %q; want both writes made and both logs kept", got.Status.Ready, got.Annotations, got.Status.RequestLog)
	}
	// The retries are still recognised.
	if err := updateLoggedWidgetStatus(testCtx(t), h, byName(), observe, conflict.WithRequestID("s")); err != nil {
		t.Fatal(err)
	}
	if err := updateLoggedWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID("m")); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, server); got.Status.ObservedGeneration != 1 || got.Spec.Size != 2 {
		t.Errorf("observed %d, size %d; want 1 and 2: retries applied once", got.Status.ObservedGeneration, got.Spec.Size)
	}
}
