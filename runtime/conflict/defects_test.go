package conflict_test

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// Callers as operator authors write them: a buggy mutate, a mutate that
// calls another helper, an obj already edited, objects deleted and
// recreated, a webhook that denies one change, a context that ends. Each
// test names the rule it holds the runtime to.

var fastBackoff = conflict.WithBackoff(conflict.Backoff{Initial: time.Millisecond, Factor: 1.5, Cap: 10 * time.Millisecond})

func setSize(n int32) func(*Widget) error {
	return func(w *Widget) error { w.Spec.Size = n; return nil }
}

func setOwner(o string) func(*Widget) error {
	return func(w *Widget) error { w.Spec.Owner = o; return nil }
}

func addTag(tag string) func(*Widget) error {
	return func(w *Widget) error { w.Spec.Tags = append(w.Spec.Tags, tag); return nil }
}

// heldBatch starts first, waits until its write is held by the client's
// first write, then starts the others so that they queue behind it (and,
// combined, share the next write), and releases the first write.
func heldBatch(t *testing.T, h *hookClient, first func() error, others ...func() error) (<-chan outcome, []<-chan outcome) {
	t.Helper()
	hd := h.holdWrite(t, 1)
	firstCh := async(first)
	waitClosed(t, hd.started, "the first write")
	chs := make([]<-chan outcome, len(others))
	for i, call := range others {
		chs[i] = async(call)
	}
	time.Sleep(settle)
	hd.Release()
	return firstCh, chs
}

// Rule: a panic in mutate reaches the caller that passed it, in its own
// goroutine, as if uncombined; the other callers are unaffected.
// Defect 1: with combining it killed the process.
func TestPanicInMutateReachesItsCaller(t *testing.T) {
	t.Run("alone", func(t *testing.T) {
		h, server := newEnv(t, seed())
		obj := read(t, server)
		o, ok := await(t, async(func() error {
			return updateWidget(context.Background(), h, obj, func(*Widget) error { panic("boom") })
		}), hangTimeout, "panicking caller")
		if ok && !strings.Contains(fmt.Sprint(o.panicked), "boom") {
			t.Errorf("caller got err %v, panic %v; want the panic boom in its goroutine", o.err, o.panicked)
		}
		mustSucceed(t, async(func() error { return updateWidget(context.Background(), h, byName(), setSize(5)) }),
			"a later update of the object")
		if got := stored(t, server); got.Spec.Size != 5 {
			t.Errorf("stored size = %d, want 5", got.Spec.Size)
		}
	})
	t.Run("combined", func(t *testing.T) {
		h, server := newEnv(t, seed())
		bg := context.Background()
		first, others := heldBatch(t, h,
			func() error { return updateWidget(bg, h, byName(), setSize(10)) },
			func() error { return updateWidget(bg, h, byName(), func(*Widget) error { panic("boom") }) },
			func() error { return updateWidget(bg, h, byName(), addTag("c")) },
		)
		mustSucceed(t, first, "first caller")
		if o, ok := await(t, others[0], hangTimeout, "panicking caller"); ok && !strings.Contains(fmt.Sprint(o.panicked), "boom") {
			t.Errorf("panicking caller got err %v, panic %v; want the panic boom", o.err, o.panicked)
		}
		mustSucceed(t, others[1], "caller combined with the panic")
		got := stored(t, server)
		if got.Spec.Size != 10 || !slices.Equal(got.Spec.Tags, []string{"c"}) {
			t.Errorf("stored spec = %+v, want size 10 and tag c", got.Spec)
		}
	})
}

// Rule: mutate runs in the caller's goroutine, combined or not.
func TestMutateRunsInTheCallersGoroutine(t *testing.T) {
	h, _ := newEnv(t, seed())
	bg := context.Background()
	var mismatches atomic.Int32
	call := func(change func(*Widget) error) func() error {
		return func() error {
			caller := goid()
			return updateWidget(bg, h, byName(), func(w *Widget) error {
				if goid() != caller {
					mismatches.Add(1)
				}
				return change(w)
			})
		}
	}
	first, others := heldBatch(t, h, call(setSize(10)), call(setOwner("a")), call(addTag("b")))
	mustSucceed(t, first, "first caller")
	for i, ch := range others {
		mustSucceed(t, ch, fmt.Sprintf("caller %d", i+2))
	}
	if n := mismatches.Load(); n > 0 {
		t.Errorf("%d mutate runs were not in their caller's goroutine", n)
	}
}

// Rule: no combination of callers deadlocks an object; a mutate that
// calls a helper on the same object ends as it would uncombined.
// Defect 2 (nested call).
func TestNestedUpdateOfTheSameObjectDoesNotDeadlock(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			bg := context.Background()
			nested := false
			mustSucceed(t, async(func() error {
				return updateWidget(bg, h, byName(), func(w *Widget) error {
					w.Spec.Size = 2
					if nested {
						return nil
					}
					nested = true
					return updateWidget(bg, h, byName(), setOwner("inner"), conflict.WithCombining(mode.on))
				}, conflict.WithCombining(mode.on))
			}), "outer call")
			if got := stored(t, server); got.Spec.Size != 2 || got.Spec.Owner != "inner" {
				t.Errorf("stored spec = %+v, want size 2 (outer) and owner inner (nested)", got.Spec)
			}
			// The object is still usable.
			mustSucceed(t, async(func() error { return updateWidget(bg, h, byName(), setSize(3)) }), "a later update")
		})
	}
}

// Rule: a mutate blocked on something another caller of the object holds
// across its own call ends as it would uncombined. Defect 2 (mutex).
func TestMutateWaitingForAnotherCallerDoesNotDeadlock(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			bg := context.Background()
			var mu sync.Mutex
			entered := make(chan struct{})
			var once sync.Once
			mu.Lock()
			waiter := async(func() error {
				return updateWidget(bg, h, byName(), func(w *Widget) error {
					once.Do(func() { close(entered) })
					mu.Lock() // held by the holder across its own update
					defer mu.Unlock()
					w.Spec.Tags = append(w.Spec.Tags, "waiter")
					return nil
				}, conflict.WithCombining(mode.on))
			})
			if !waitClosed(t, entered, "the waiter's mutate") {
				mu.Unlock()
				return
			}
			holder := async(func() error {
				defer mu.Unlock()
				return updateWidget(bg, h, byName(), setOwner("holder"), conflict.WithCombining(mode.on))
			})
			mustSucceed(t, holder, "caller holding the mutex")
			mustSucceed(t, waiter, "caller whose mutate waits for the mutex")
			if got := stored(t, server); got.Spec.Owner != "holder" || !slices.Equal(got.Spec.Tags, []string{"waiter"}) {
				t.Errorf("stored spec = %+v, want owner holder and tag waiter", got.Spec)
			}
		})
	}
}

// Rule: an obj without a resourceVersion is read first; "no change" is
// trusted only against what the server holds. Defect 3: a call by name
// started from the copy the combiner remembered, found nothing to change
// and wrote nothing over another writer's value.
func TestCallByNameAfterAnotherWriterIsWritten(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			ctx := testCtx(t)
			opt := conflict.WithCombining(mode.on)
			if err := updateWidget(ctx, h, byName(), setSize(5), opt); err != nil {
				t.Fatal(err)
			}
			otherWriter(t, server, func(w *Widget) { w.Spec.Size = 7 })
			obj := byName()
			if err := updateWidget(ctx, h, obj, setSize(5), opt); err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if got.Spec.Size != 5 {
				t.Errorf("stored size = %d, want 5: the call reported success over the other writer's 7", got.Spec.Size)
			}
			if obj.ResourceVersion != got.ResourceVersion {
				t.Errorf("obj rv %q, stored rv %q", obj.ResourceVersion, got.ResourceVersion)
			}
		})
	}
}

// Rule: "no change" is trusted only against a state read from the server
// or written by the helper. Defect 4: a caller that already made its
// change on obj, then calls the helper with the same change, got success
// and zero writes.
func TestChangeAlreadyMadeOnObjIsWritten(t *testing.T) {
	ready := metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Up",
		LastTransitionTime: metav1.NewTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))}
	for _, mode := range combiningModes {
		t.Run("status/"+mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			// As the seeds' reconcilers do: set the condition on obj, then
			// write it with the helper, whose mutate sets it again.
			meta.SetStatusCondition(&obj.Status.Conditions, ready)
			obj.Status.Ready = true
			err := updateWidgetStatus(testCtx(t), h, obj, func(w *Widget) error {
				meta.SetStatusCondition(&w.Status.Conditions, ready)
				w.Status.Ready = true
				return nil
			}, conflict.WithCombining(mode.on))
			if err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if !got.Status.Ready || meta.FindStatusCondition(got.Status.Conditions, "Ready") == nil {
				t.Errorf("stored status = %+v: success reported, change never written", got.Status)
			}
			if obj.ResourceVersion != got.ResourceVersion {
				t.Errorf("obj rv %q, stored rv %q", obj.ResourceVersion, got.ResourceVersion)
			}
		})
		t.Run("spec/"+mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			obj.Spec.Size = 4
			if err := updateWidget(testCtx(t), h, obj, setSize(4), conflict.WithCombining(mode.on)); err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); got.Spec.Size != 4 {
				t.Errorf("stored size = %d, want 4", got.Spec.Size)
			}
		})
	}
}

// Rule as above, for a caller whose obj is stale: it read the object,
// another writer changed it, and the caller's mutate sets the value it
// read. Defect 4 (stale obj).
func TestStaleObjIsConfirmedBeforeNothingIsWritten(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			otherWriter(t, server, func(w *Widget) { w.Spec.Owner = "them" })
			if err := updateWidget(testCtx(t), h, obj, setOwner("seed"), conflict.WithCombining(mode.on)); err != nil {
				t.Fatal(err)
			}
			got := stored(t, server)
			if got.Spec.Owner != "seed" {
				t.Errorf("stored owner = %q, want seed: the caller's change was lost", got.Spec.Owner)
			}
			if obj.ResourceVersion != got.ResourceVersion || obj.Spec.Owner != "seed" {
				t.Errorf("obj = rv %q owner %q, want the server's rv %q", obj.ResourceVersion, obj.Spec.Owner, got.ResourceVersion)
			}
		})
	}
}

// Rule: CreateOrUpdate works by name, as controllerutil.CreateOrUpdate
// does. Defect 5: an obj that still carries the resourceVersion of a
// deleted object was never created again.
func TestCreateOrUpdateRecreatesADeletedObject(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Widget) error
		size   int32
	}{
		{"mutate changes it", setSize(3), 3},
		{"mutate changes nothing", setSize(1), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			if err := server.Delete(context.Background(), obj.DeepCopy()); err != nil {
				t.Fatal(err)
			}
			res, err := createOrUpdateWidget(testCtx(t), h, obj, tc.mutate)
			if err != nil || res != controllerutil.OperationResultCreated {
				t.Fatalf("CreateOrUpdate = %q, %v; want created", res, err)
			}
			got := &Widget{}
			if err := server.Get(context.Background(), testKey, got); err != nil {
				t.Fatalf("nothing exists after CreateOrUpdate: %v", err)
			}
			if got.Spec.Size != tc.size || got.Spec.Owner != "seed" {
				t.Errorf("created spec = %+v", got.Spec)
			}
			if obj.ResourceVersion != got.ResourceVersion {
				t.Errorf("obj rv %q, created rv %q", obj.ResourceVersion, got.ResourceVersion)
			}
		})
	}
	t.Run("recreated by another writer", func(t *testing.T) {
		h, server := newEnv(t, seed())
		obj := read(t, server)
		replace(t, server, "uid-2")
		res, err := createOrUpdateWidget(testCtx(t), h, obj, setSize(3))
		if err != nil || res != controllerutil.OperationResultUpdated {
			t.Fatalf("CreateOrUpdate = %q, %v; want updated (it works by name, whatever the UID)", res, err)
		}
		if got := stored(t, server); got.UID != "uid-2" || got.Spec.Size != 3 {
			t.Errorf("stored = uid %q size %d, want uid-2 size 3", got.UID, got.Spec.Size)
		}
	})
}

// Rule: a webhook's denial (403) of one caller's change fails that caller
// only; a refused write stores nothing, so the others are written.
// Defect 6. A schema's rejection (422) was already split; it stays so.
func TestRefusedChangeFailsOnlyItsCaller(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse func(name string) error
		is     func(error) bool
	}{
		{"forbidden by a webhook", func(name string) error { return forbiddenErr(name, "owner evil is not allowed") }, apierrors.IsForbidden},
		{"invalid", func(name string) error {
			return apierrors.NewInvalid(widgetGK, name, field.ErrorList{field.Invalid(field.NewPath("spec", "owner"), "evil", "not allowed")})
		}, apierrors.IsInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			h.onWrite = func(_ context.Context, w *Widget, _ bool, _ int) error {
				if w.Spec.Owner == "evil" {
					return tc.refuse(w.Name)
				}
				return nil
			}
			bg := context.Background()
			first, others := heldBatch(t, h,
				func() error { return updateWidget(bg, h, byName(), setSize(10)) },
				func() error { return updateWidget(bg, h, byName(), addTag("before")) },
				func() error { return updateWidget(bg, h, byName(), setOwner("evil")) },
				func() error { return updateWidget(bg, h, byName(), addTag("after")) },
			)
			mustSucceed(t, first, "first caller")
			mustSucceed(t, others[0], "caller queued before the refused one")
			if o, ok := await(t, others[1], hangTimeout, "refused caller"); ok && !tc.is(o.err) {
				t.Errorf("refused caller: err = %v, want the server's refusal", o.err)
			}
			mustSucceed(t, others[2], "caller queued after the refused one")
			got := stored(t, server)
			slices.Sort(got.Spec.Tags)
			if got.Spec.Size != 10 || got.Spec.Owner == "evil" || !slices.Equal(got.Spec.Tags, []string{"after", "before"}) {
				t.Errorf("stored spec = %+v, want size 10, both tags, owner not evil", got.Spec)
			}
		})
	}
}

// Rule: a mutate's error fails its own caller only, combined or not.
func TestMutateErrorFailsOnlyItsCaller(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	boom := errors.New("boom")
	first, others := heldBatch(t, h,
		func() error { return updateWidget(bg, h, byName(), setSize(10)) },
		func() error { return updateWidget(bg, h, byName(), addTag("before")) },
		func() error {
			return updateWidget(bg, h, byName(), func(w *Widget) error { w.Spec.Owner = "half done"; return boom })
		},
		func() error { return updateWidget(bg, h, byName(), addTag("after")) },
	)
	mustSucceed(t, first, "first caller")
	mustSucceed(t, others[0], "caller queued before the failing one")
	if o, ok := await(t, others[1], hangTimeout, "failing caller"); ok && !errors.Is(o.err, boom) {
		t.Errorf("failing caller: err = %v, want its mutate's error", o.err)
	}
	mustSucceed(t, others[2], "caller queued after the failing one")
	got := stored(t, server)
	slices.Sort(got.Spec.Tags)
	if got.Spec.Owner != "seed" || !slices.Equal(got.Spec.Tags, []string{"after", "before"}) {
		t.Errorf("stored spec = %+v, want both tags and the failed mutate's owner dropped", got.Spec)
	}
}

// Rule: a caller whose context ends while its mutation is in a write
// under way returns at once, with its context's error and
// ErrOutcomeUnknown; the others get the write's answer. Defect 7.
func TestCancelledCallerDoesNotWaitForTheWrite(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	first := h.holdWrite(t, 1)
	second := h.holdWrite(t, 2)
	xCtx, cancelX := context.WithCancel(bg)
	defer cancelX()
	gCh := async(func() error { return updateWidget(bg, h, byName(), setSize(10)) })
	if !waitClosed(t, first.started, "the first write") {
		return
	}
	xCh := async(func() error { return updateWidget(xCtx, h, byName(), setOwner("x")) })
	yCh := async(func() error { return updateWidget(bg, h, byName(), addTag("y")) })
	time.Sleep(settle)
	first.Release()
	if !waitClosed(t, second.started, "the second write") {
		return
	}
	cancelled := time.Now()
	cancelX()
	x, ok := await(t, xCh, time.Second, "caller cancelled during a held write")
	took := time.Since(cancelled)
	second.Release()
	mustSucceed(t, gCh, "first caller")
	mustSucceed(t, yCh, "caller sharing the held write")
	if !ok {
		return
	}
	if took > 500*time.Millisecond {
		t.Errorf("cancelled caller returned %v after its cancel, want at once", took)
	}
	if !errors.Is(x.err, context.Canceled) {
		t.Errorf("cancelled caller: err = %v, want one wrapping context.Canceled", x.err)
	}
	if w := second.Written(); w.Spec.Owner == "x" {
		if !errors.Is(x.err, conflict.ErrOutcomeUnknown) {
			t.Errorf("cancelled caller whose change was in the held write: err = %v, want ErrOutcomeUnknown", x.err)
		}
	} else {
		t.Logf("the cancelled caller's change was not in the held write (%+v)", w.Spec)
	}
	if got := stored(t, server); !slices.Equal(got.Spec.Tags, []string{"y"}) {
		t.Errorf("stored tags = %v, want y", got.Spec.Tags)
	}
}

// Rule: a write that may have been stored (5xx, timeout, lost connection)
// says so; one the server refused does not.
func TestServerErrorSaysTheOutcomeIsUnknown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		is      func(error) bool
		unknown bool
	}{
		{"internal error", apierrors.NewInternalError(errors.New("etcdserver: leader changed")), apierrors.IsInternalError, true},
		{"server timeout", apierrors.NewTimeoutError("request did not complete within 60s", 0), apierrors.IsTimeout, true},
		{"invalid", apierrors.NewInvalid(widgetGK, testName, nil), apierrors.IsInvalid, false},
	} {
		for _, mode := range combiningModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				h, server := newEnv(t, seed())
				h.onWrite = func(context.Context, *Widget, bool, int) error { return tc.err }
				err := updateWidget(testCtx(t), h, read(t, server), setSize(5), conflict.WithCombining(mode.on))
				if !tc.is(err) {
					t.Errorf("err = %v, want the server's error", err)
				}
				if got := errors.Is(err, conflict.ErrOutcomeUnknown); got != tc.unknown {
					t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = %v, want %v", err, got, tc.unknown)
				}
			})
		}
	}
}

// memServer answers Get with a fresh widget and Update with success,
// storing nothing: what a process retains after using it is the
// runtime's.
type memServer struct{ client.Client }

func (s *memServer) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	w := obj.(*Widget)
	*w = Widget{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace, ResourceVersion: "1",
		UID: types.UID("uid-" + key.Name)}}
	return nil
}

func (s *memServer) Update(_ context.Context, obj client.Object, _ ...client.UpdateOption) error {
	obj.SetResourceVersion("2")
	return nil
}

// Rule: the memory a process retains after updating 100k distinct objects
// once each, sequentially, with combining on is at most 1.2x what it
// retains with combining off. Defect 8.
func TestCombiningRetainsNoMoreMemoryThanUncombined(t *testing.T) {
	if testing.Short() {
		t.Skip("updates 200k objects")
	}
	const n = 100_000
	keys := make([]client.ObjectKey, n)
	for i := range keys {
		keys[i] = client.ObjectKey{Namespace: testNamespace, Name: fmt.Sprintf("widget-%06d", i)}
	}
	// A logger in the context: without one, and before log.SetLogger is
	// called, every log.FromContext keeps a promise in controller-runtime's
	// root logger for 30 s, whatever the runtime does.
	ctx := ctrllog.IntoContext(context.Background(), logr.Discard())
	retained := func(on bool) uint64 {
		s := &memServer{}
		for _, k := range keys {
			obj := &Widget{ObjectMeta: metav1.ObjectMeta{Name: k.Name, Namespace: k.Namespace}}
			if err := updateWidget(ctx, s, obj, setSize(1), conflict.WithCombining(on), conflict.WithMetrics(nil)); err != nil {
				t.Fatalf("update %s: %v", k, err)
			}
		}
		return heapAfterGC()
	}
	off := retained(false)
	on := retained(true)
	t.Logf("heap retained after updating %d distinct objects: combining off %.1f MiB, on %.1f MiB (%.2fx)",
		n, float64(off)/(1<<20), float64(on)/(1<<20), float64(on)/float64(off))
	if float64(on) > 1.2*float64(off) {
		t.Errorf("combining on retains %.1f MiB, more than 1.2x the %.1f MiB retained with it off",
			float64(on)/(1<<20), float64(off)/(1<<20))
	}
	goruntime.KeepAlive(keys)
}

// Rule: each caller's metrics (nil included) and logger are its own, even
// when its update shares a write with others. Defect 9.
func TestEachCallerKeepsItsOwnMetricsAndLogger(t *testing.T) {
	h, _ := newEnv(t, seed())
	var second atomic.Pointer[Widget]
	h.onWrite = func(_ context.Context, w *Widget, _ bool, n int) error {
		if n == 2 {
			second.Store(w.DeepCopy())
			return conflictErr(w.Name)
		}
		return nil
	}
	regG, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	mG, err := conflict.NewMetrics(regG)
	if err != nil {
		t.Fatal(err)
	}
	mB, err := conflict.NewMetrics(regB)
	if err != nil {
		t.Fatal(err)
	}
	var logG, logA, logB logLines
	defaultBefore := metricValue(t, ctrlmetrics.Registry, "conflictgen_attempts")
	bg := context.Background()
	first, others := heldBatch(t, h,
		func() error {
			return updateWidget(bg, h, byName(), setSize(10), conflict.WithMetrics(mG), conflict.WithLogger(logG.logger()), fastBackoff)
		},
		func() error {
			return updateWidget(bg, h, byName(), setOwner("a"), conflict.WithMetrics(nil), conflict.WithLogger(logA.logger()), fastBackoff)
		},
		func() error {
			return updateWidget(bg, h, byName(), addTag("b"), conflict.WithMetrics(mB), conflict.WithLogger(logB.logger()), fastBackoff)
		},
	)
	mustSucceed(t, first, "first caller")
	mustSucceed(t, others[0], "caller with WithMetrics(nil)")
	mustSucceed(t, others[1], "caller with its own metrics")

	if v := metricValue(t, regG, "conflictgen_attempts"); v != 1 {
		t.Errorf("first caller's metrics recorded %v calls, want its own 1", v)
	}
	if v := metricValue(t, regG, "conflictgen_conflicts_total"); v != 0 {
		t.Errorf("first caller's metrics recorded %v conflicts, want 0 (its write did not conflict)", v)
	}
	if v := metricValue(t, regB, "conflictgen_attempts"); v != 1 {
		t.Errorf("third caller's metrics recorded %v calls, want 1", v)
	}
	if v := metricValue(t, ctrlmetrics.Registry, "conflictgen_attempts"); v != defaultBefore {
		t.Errorf("DefaultMetrics recorded %v calls, want none (every caller chose its metrics)", v-defaultBefore)
	}
	w := second.Load()
	if w == nil {
		t.Fatal("no second write")
	}
	if w.Spec.Owner == "a" && logA.len() == 0 {
		t.Errorf("the second caller's write conflicted, its logger logged nothing (first caller's logger: %q)", logG.all())
	}
	if slices.Contains(w.Spec.Tags, "b") {
		if logB.len() == 0 {
			t.Errorf("the third caller's write conflicted, its logger logged nothing (first caller's logger: %q)", logG.all())
		}
		if v := metricValue(t, regB, "conflictgen_conflicts_total"); v < 1 {
			t.Errorf("the third caller's write conflicted, its metrics recorded %v conflicts", v)
		}
	}
	t.Logf("second write: owner %q tags %v; log lines: first %d, second %d, third %d", w.Spec.Owner, w.Spec.Tags, logG.len(), logA.len(), logB.len())
}

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		l.lines = append(l.lines, prefix+" "+args)
		l.mu.Unlock()
	}, funcr.Options{Verbosity: 9})
}

func (l *logLines) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// Rule: the part of the object a write cannot change is never silently
// dropped: a status change through Update of a kind with a status
// subresource fails with a *SubresourceError naming the fields and the
// helper to use, and nothing is written. Defect 10.
func TestStatusChangeThroughUpdateIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Widget) error
	}{
		{"status alone", func(w *Widget) error { w.Status.Ready = true; return nil }},
		{"status with spec", func(w *Widget) error { w.Status.Ready = true; w.Spec.Size = 5; return nil }},
	} {
		for _, mode := range combiningModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				h, server := newEnv(t, seed())
				err := updateWidget(testCtx(t), h, read(t, server), tc.mutate, conflict.WithCombining(mode.on))
				checkSubresourceError(t, err, conflict.OperationUpdate, "status", "UpdateWidgetStatusWithRetry")
				if n := h.writes.Load(); n != 0 {
					t.Errorf("writes = %d, want 0", n)
				}
				if got := stored(t, server); got.Spec.Size != 1 || got.Status.Ready {
					t.Errorf("stored = %+v %+v, want unchanged", got.Spec, got.Status)
				}
			})
		}
	}
}

// Defect 10, the other way: spec or metadata changed through UpdateStatus.
func TestSpecOrMetadataChangeThroughUpdateStatusIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Widget) error
		field  string
	}{
		{"spec", setSize(5), "spec"},
		{"labels", func(w *Widget) error { w.Labels = map[string]string{"tier": "gold"}; return nil }, "metadata.labels"},
		{"spec with status", func(w *Widget) error { w.Status.Ready = true; w.Spec.Size = 5; return nil }, "spec"},
	} {
		for _, mode := range combiningModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				h, server := newEnv(t, seed())
				err := updateWidgetStatus(testCtx(t), h, read(t, server), tc.mutate, conflict.WithCombining(mode.on))
				checkSubresourceError(t, err, conflict.OperationUpdateStatus, tc.field, "UpdateWidgetWithRetry")
				if n := h.writes.Load(); n != 0 {
					t.Errorf("writes = %d, want 0", n)
				}
				if got := stored(t, server); got.Spec.Size != 1 || got.Status.Ready || len(got.Labels) != 0 {
					t.Errorf("stored = %+v %+v, want unchanged", got.Spec, got.Status)
				}
			})
		}
	}
}

func checkSubresourceError(t *testing.T, err error, op conflict.Operation, field, use string) {
	t.Helper()
	var se *conflict.SubresourceError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SubresourceError", err)
	}
	if se.Kind != widgetGK || se.Key != testKey || se.Operation != op {
		t.Errorf("error names %v %v %q, want %v %v %q", se.Kind, se.Key, se.Operation, widgetGK, testKey, op)
	}
	if !slices.ContainsFunc(se.Fields, func(f string) bool { return f == field || strings.HasPrefix(f, field+".") }) {
		t.Errorf("fields = %q, want %q", se.Fields, field)
	}
	if se.Use != use {
		t.Errorf("use = %q, want %q", se.Use, use)
	}
	if msg := err.Error(); !strings.Contains(msg, use) {
		t.Errorf("message %q does not name %s", msg, use)
	}
}

// Rule: a kind served without a status subresource writes its status
// through Update, as the API server stores it.
func TestStatusThroughUpdateOfAKindWithoutSubresource(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newPlainEnv(t, seed())
			err := updatePlainWidget(testCtx(t), h, read(t, server), func(w *Widget) error {
				w.Status.Ready = true
				w.Spec.Size = 5
				return nil
			}, conflict.WithCombining(mode.on))
			if err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); !got.Status.Ready || got.Spec.Size != 5 {
				t.Errorf("stored = %+v %+v, want ready and size 5", got.Spec, got.Status)
			}
		})
	}
}

// Rule: CreateOrUpdate succeeds on a reader that lags behind the server
// (the manager's cache): after Create answers AlreadyExists, a read that
// answers NotFound for a while is not the call's answer. Defect 12.
func TestCreateOrUpdateWaitsForALaggingCache(t *testing.T) {
	const lag = 300 * time.Millisecond
	for _, tc := range []struct {
		name       string
		withReader bool
	}{{"client reads from the cache", false}, {"WithReader is the cache", true}} {
		t.Run(tc.name, func(t *testing.T) {
			_, server := newEnv(t, seed())
			var createdAt atomic.Int64
			cache := &hookClient{Client: server, onGet: func(_ context.Context, key client.ObjectKey) error {
				if at := createdAt.Load(); at == 0 || time.Since(time.Unix(0, at)) < lag {
					return apierrors.NewNotFound(widgetsGR, key.Name)
				}
				return nil
			}}
			onCreate := func(context.Context, *Widget) error {
				createdAt.CompareAndSwap(0, time.Now().UnixNano())
				return nil
			}
			c, opts := cache, []conflict.Option(nil)
			if tc.withReader {
				c = &hookClient{Client: server}
				opts = append(opts, conflict.WithReader(cache))
			}
			c.onCreate = onCreate
			ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
			defer cancel()
			res, err := createOrUpdateWidget(ctx, c, byName(), setSize(9), opts...)
			if err != nil || res != controllerutil.OperationResultUpdated {
				t.Fatalf("CreateOrUpdate = %q, %v; want updated", res, err)
			}
			if got := stored(t, server); got.Spec.Size != 9 || got.Spec.Owner != "seed" {
				t.Errorf("stored spec = %+v, want size 9 on the existing object", got.Spec)
			}
		})
	}
}

// Rule: CreateOrUpdate's result says what it did. Defect 13: its only
// write conflicted, the retry found nothing to change, and it reported
// "updated".
func TestCreateOrUpdateReportsNoneWhenTheRetryChangesNothing(t *testing.T) {
	h, server := newEnv(t, seed())
	obj := read(t, server)
	otherWriter(t, server, func(w *Widget) { w.Spec.Size = 5 })
	res, err := createOrUpdateWidget(testCtx(t), h, obj, setSize(5))
	if err != nil || res != controllerutil.OperationResultNone {
		t.Errorf("CreateOrUpdate = %q, %v; want unchanged", res, err)
	}
	if got := stored(t, server); obj.ResourceVersion != got.ResourceVersion || obj.Spec.Size != 5 {
		t.Errorf("obj = rv %q size %d, want the server's rv %q size 5", obj.ResourceVersion, obj.Spec.Size, got.ResourceVersion)
	}
}

// Rule: a caller whose context has ended when its write fails with a 500
// is told the outcome is unknown, and the 500 is not hidden behind
// "context canceled". Defect 14. Combined, the caller may see its context
// end before the writer has the answer, and then returns at once (see
// TestCancelledCallerDoesNotWaitForTheWrite): its error says the outcome is
// unknown and wraps the 500 or its context's error. Uncombined, the answer
// is the call's own and must wrap the 500.
func TestFailedWriteOfAnEndedCallerSaysOutcomeUnknown(t *testing.T) {
	internal := func() error { return apierrors.NewInternalError(errors.New("etcdserver: request timed out")) }
	t.Run("combined", func(t *testing.T) {
		h, _ := newEnv(t, seed())
		bg := context.Background()
		xCtx, cancelX := context.WithCancel(bg)
		defer cancelX()
		var second atomic.Pointer[Widget]
		h.onWrite = func(_ context.Context, w *Widget, _ bool, n int) error {
			if n != 2 {
				return nil
			}
			second.Store(w.DeepCopy())
			cancelX()
			return internal()
		}
		first, others := heldBatch(t, h,
			func() error { return updateWidget(bg, h, byName(), setSize(10)) },
			func() error { return updateWidget(xCtx, h, byName(), setOwner("x")) },
			func() error { return updateWidget(bg, h, byName(), addTag("y")) },
		)
		mustSucceed(t, first, "first caller")
		x, okX := await(t, others[0], hangTimeout, "caller whose context ended")
		y, okY := await(t, others[1], hangTimeout, "caller sharing the failed write")
		w := second.Load()
		if w == nil || w.Spec.Owner != "x" || !slices.Contains(w.Spec.Tags, "y") {
			t.Fatalf("the two callers did not share the second write: %+v", w)
		}
		if okX {
			if !errors.Is(x.err, conflict.ErrOutcomeUnknown) {
				t.Errorf("ended caller: err = %v, want ErrOutcomeUnknown", x.err)
			}
			if !apierrors.IsInternalError(x.err) && !errors.Is(x.err, context.Canceled) {
				t.Errorf("ended caller: err = %v, want it to wrap the 500 or its context's error", x.err)
			}
			t.Logf("ended caller: %v", x.err)
		}
		if okY && (!apierrors.IsInternalError(y.err) || !errors.Is(y.err, conflict.ErrOutcomeUnknown)) {
			t.Errorf("other caller: err = %v, want the 500 and ErrOutcomeUnknown", y.err)
		}
	})
	for _, mode := range combiningModes {
		t.Run("alone/"+mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			h.onWrite = func(context.Context, *Widget, bool, int) error {
				cancel()
				return internal()
			}
			err := updateWidget(ctx, h, read(t, server), setSize(5), conflict.WithCombining(mode.on))
			if !errors.Is(err, conflict.ErrOutcomeUnknown) {
				t.Errorf("err = %v, want ErrOutcomeUnknown", err)
			}
			// Combined, the caller returns as soon as its context ends,
			// which may be before the writer has the 500.
			if !apierrors.IsInternalError(err) && (!mode.on || !errors.Is(err, context.Canceled)) {
				t.Errorf("err = %v, want it to wrap the 500 (or, combined, its context's error)", err)
			}
		})
	}
}

// Rule: an obj that names the object and carries a UID is meant for that
// incarnation: after the object was deleted and recreated the call
// returns ErrObjectReplaced and writes nothing, combined or not.
// Defect 14 (the uncombined path wrote into the new object).
func TestCallByNameWithTheUIDOfAReplacedObject(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			replace(t, server, "uid-2")
			obj := byName()
			obj.UID = "uid-1"
			err := updateWidget(testCtx(t), h, obj, setSize(3), conflict.WithCombining(mode.on))
			if !errors.Is(err, conflict.ErrObjectReplaced) {
				t.Errorf("err = %v, want ErrObjectReplaced", err)
			}
			if n := h.writes.Load(); n != 0 {
				t.Errorf("writes = %d, want 0", n)
			}
			if got := stored(t, server); got.Spec.Size != 1 {
				t.Errorf("stored size = %d, want 1 (untouched)", got.Spec.Size)
			}
		})
	}
}

// Rule: each caller's backoff is its own. Defect 9: the combiner waited
// with the backoff of the caller that started it, for every later caller.
func TestEachCallerKeepsItsOwnBackoff(t *testing.T) {
	h, server := newEnv(t, seed())
	h.onWrite = func(_ context.Context, w *Widget, _ bool, n int) error {
		if n == 2 {
			return conflictErr(w.Name)
		}
		return nil
	}
	slow := conflict.WithBackoff(conflict.Backoff{Initial: 3 * time.Second, Factor: 1})
	bg := context.Background()
	first, others := heldBatch(t, h,
		func() error { return updateWidget(bg, h, byName(), setSize(10), slow) },
		func() error { return updateWidget(bg, h, byName(), setOwner("a"), fastBackoff) },
		func() error { return updateWidget(bg, h, byName(), addTag("b"), fastBackoff) },
	)
	mustSucceed(t, first, "caller with a slow backoff, whose write did not conflict")
	for i, ch := range others {
		o, ok := await(t, ch, hangTimeout, fmt.Sprintf("caller %d", i+2))
		if !ok {
			continue
		}
		if o.err != nil {
			t.Errorf("caller %d: %v", i+2, o.err)
		}
		if o.took > settle+time.Second {
			t.Errorf("caller %d with a 1ms backoff took %v: it waited with another caller's 3s backoff", i+2, o.took)
		}
	}
	if got := stored(t, server); got.Spec.Owner != "a" || !slices.Equal(got.Spec.Tags, []string{"b"}) {
		t.Errorf("stored spec = %+v", got.Spec)
	}
}

// Rule: what a write cannot change is never silently dropped, whatever
// the entry point: UpdateFrom with a modified status of a kind with a
// status subresource, and UpdateStatusFrom with a modified spec, fail
// with a *SubresourceError and write nothing.
func TestUpdateFromRefusesWhatItsWriteCannotChange(t *testing.T) {
	t.Run("status through UpdateFrom", func(t *testing.T) {
		h, server := newEnv(t, seed())
		original := read(t, server)
		modified := original.DeepCopy()
		modified.Status.Ready = true
		err := updateWidgetFrom(testCtx(t), h, original, modified)
		checkSubresourceError(t, err, conflict.OperationUpdate, "status", "UpdateWidgetStatusFrom")
		if n := h.writes.Load(); n != 0 {
			t.Errorf("writes = %d, want 0", n)
		}
	})
	t.Run("spec through UpdateStatusFrom", func(t *testing.T) {
		h, server := newEnv(t, seed())
		original := read(t, server)
		modified := original.DeepCopy()
		modified.Spec.Size = 5
		modified.Status.Ready = true
		err := updateWidgetStatusFrom(testCtx(t), h, original, modified)
		checkSubresourceError(t, err, conflict.OperationUpdateStatus, "spec", "UpdateWidgetFrom")
		if n := h.writes.Load(); n != 0 {
			t.Errorf("writes = %d, want 0", n)
		}
	})
}
