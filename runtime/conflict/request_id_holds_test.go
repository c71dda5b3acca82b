package conflict_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The two-writes rule counts a call that fails: a handler whose first
// write's mutate fails and which then goes on to write the object again
// gives that write <id>/2, and its retry (same calls, same order) finds
// it and applies nothing.
func TestTwoWritesRuleCountsAFailedFirstWrite(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			on := conflict.WithCombining(mode.on)
			refuse := errors.New("refused by the handler")
			handler := func(ctx context.Context) error {
				if err := updateWidget(ctx, h, byName(), func(*Widget) error { return refuse }, on); !errors.Is(err, refuse) {
					return fmt.Errorf("first write: %v, want the mutate's error", err)
				}
				return updateWidget(ctx, h, byName(), grow, on)
			}
			for range 2 {
				if err := handler(conflict.ContextWithRequestID(testCtx(t), "req")); err != nil {
					t.Fatal(err)
				}
			}
			got := stored(t, server)
			if got.Spec.Size != 2 || !strings.Contains(got.Annotations[conflict.RequestLogAnnotation], "req#2@") {
				t.Errorf("size %d log %q; want 2 (applied once) under req#2", got.Spec.Size, got.Annotations[conflict.RequestLogAnnotation])
			}
		})
	}
}

// A context ID used by CreateOrUpdate whose object is deleted and created
// again by someone else between the request and its retry: the log was
// the old object's, so the retry is applied to the new one (the log is
// per object), once.
func TestCreateOrUpdateContextIDAfterTheObjectWasReplaced(t *testing.T) {
	h, server := newEnv(t, seed())
	ctx := func() context.Context { return conflict.ContextWithRequestID(testCtx(t), "req") }
	if _, err := createOrUpdateWidget(ctx(), h, byName(), grow); err != nil {
		t.Fatal(err)
	}
	replace(t, server, "uid-2")
	for range 2 {
		if _, err := createOrUpdateWidget(ctx(), h, byName(), grow); err != nil {
			t.Fatal(err)
		}
	}
	got := stored(t, server)
	if got.UID != "uid-2" || got.Spec.Size != 2 || strings.Count(got.Annotations[conflict.RequestLogAnnotation], "req@") != 1 {
		t.Errorf("uid %s size %d log %q; want uid-2 grown once (seed 1) with req logged once", got.UID, got.Spec.Size, got.Annotations[conflict.RequestLogAnnotation])
	}
}

// An entry past RequestLogTTL still answers until the object's next
// request is recorded, which drops it: the retry before that is not
// applied, the retry after it is.
func TestExpiredEntryAnswersUntilTheNextRequestIsRecorded(t *testing.T) {
	w := seed()
	w.Annotations = map[string]string{conflict.RequestLogAnnotation: fmt.Sprintf("old@%d", time.Now().Add(-conflict.RequestLogTTL-time.Minute).Unix())}
	h, server := newEnv(t, w)
	if err := updateWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID("old")); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, server).Spec.Size; got != 1 {
		t.Fatalf("size %d, want 1: the expired entry still answers", got)
	}
	if err := updateWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID("new")); err != nil {
		t.Fatal(err)
	}
	if err := updateWidget(testCtx(t), h, byName(), grow, conflict.WithRequestID("old")); err != nil {
		t.Fatal(err)
	}
	got := stored(t, server)
	if got.Spec.Size != 3 || !strings.Contains(got.Annotations[conflict.RequestLogAnnotation], "old@") {
		t.Errorf("size %d log %q; want 3 (new, then old applied again and logged afresh)", got.Spec.Size, got.Annotations[conflict.RequestLogAnnotation])
	}
}

// A caller's own copy whose log shows the call's ID (it copied the
// annotations of another object, or edited them) is not the object: the
// call reads the object, does not find the ID there, and applies the
// request.
func TestIDOnlyInTheCallersCopyIsNotTakenForTheObjects(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			obj.Annotations = map[string]string{conflict.RequestLogAnnotation: fmt.Sprintf("req@%d", time.Now().Unix())}
			if err := updateWidget(testCtx(t), h, obj, grow, conflict.WithRequestID("req"), conflict.WithCombining(mode.on)); err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); got.Spec.Size != 2 || strings.Count(got.Annotations[conflict.RequestLogAnnotation], "req@") != 1 {
				t.Errorf("size %d log %q; want the request applied (2) and logged once", got.Spec.Size, got.Annotations[conflict.RequestLogAnnotation])
			}
		})
	}
}

// The README's advice for a write made only on some attempts: give it an
// ID of its own with WithRequestID. Such a write does not count for the
// two-writes rule, so the request's other writes to the object keep their
// IDs whether it is made or not, and a retry without it applies none of
// them again.
func TestWriteWithItsOwnIDDoesNotMoveTheContextCount(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			on := conflict.WithCombining(mode.on)
			handler := func(ctx context.Context, conditional bool) error {
				if conditional {
					if err := updateWidget(ctx, h, byName(), func(w *Widget) error { w.Spec.Owner += "+"; return nil }, on, conflict.WithRequestID("cond-1")); err != nil {
						return err
					}
				}
				for range 2 {
					if err := updateWidget(ctx, h, byName(), grow, on); err != nil {
						return err
					}
				}
				return nil
			}
			if err := handler(conflict.ContextWithRequestID(testCtx(t), "req"), true); err != nil {
				t.Fatal(err)
			}
			if err := handler(conflict.ContextWithRequestID(testCtx(t), "req"), false); err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); got.Spec.Size != 3 || got.Spec.Owner != "seed+" {
				t.Errorf("size %d owner %q; want 3 and seed+: each write once", got.Spec.Size, got.Spec.Owner)
			}
		})
	}
}
