package conflict_test

import (
	"context"
	"errors"
	"math/rand/v2"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// Callers as a hostile user writes them, against the promises of the
// README's semantics: edits made before the call, mutates that fail, panic
// or exit on a later run, cancels at random moments, readers that fail,
// objects deleted under the call, two Go types for one object.

// Promise: "Edits made to obj before the call are written with the
// mutation, as with client.Update" + "a mutate that has not returned after
// 50ms ... its caller runs alone once it returns, as with combining off".
func TestLeftBehindCallerKeepsItsPreEdits(t *testing.T) {
	for _, mode := range combiningModes {
		t.Run(mode.name, func(t *testing.T) {
			h, server := newEnv(t, seed())
			obj := read(t, server)
			obj.Spec.Owner = "pre-edit"
			err := updateWidget(context.Background(), h, obj, func(w *Widget) error {
				time.Sleep(100 * time.Millisecond) // slower than 50ms: left behind
				w.Spec.Size = 7
				return nil
			}, conflict.WithCombining(mode.on))
			if err != nil {
				t.Fatal(err)
			}
			if got := stored(t, server); got.Spec.Owner != "pre-edit" || got.Spec.Size != 7 {
				t.Errorf("stored spec = %+v, want owner pre-edit and size 7 (success reported)", got.Spec)
			}
		})
	}
}

// Promise: "a mutate that returns an error ... fails its caller only,
// and its partial changes are dropped" / "Each caller's outcome is as if
// its update had run alone": a failed caller's object must not be written.
func TestFailedCallersObjectIsNotWrittenByTheNextRound(t *testing.T) {
	h, server := newEnv(t, seed())
	bg := context.Background()
	obj := read(t, server)
	obj.Spec.Owner = "leaked" // caller A's edit before the call
	started := make(chan struct{})
	a := async(func() error {
		return updateWidget(bg, h, obj, func(w *Widget) error {
			close(started)
			time.Sleep(30 * time.Millisecond) // < 50ms: B joins meanwhile
			return errors.New("A decides not to write")
		})
	})
	<-started
	b := async(func() error { return updateWidget(bg, h, byName(), setSize(9)) })
	if o, ok := await(t, a, hangTimeout, "A"); ok && o.err == nil {
		t.Errorf("A: want its mutate's error")
	}
	mustSucceed(t, b, "B")
	if got := stored(t, server); got.Spec.Owner == "leaked" {
		t.Errorf("stored owner = %q: the object of A, whose mutate failed, was written by B's write", got.Spec.Owner)
	}
}

// Promise: the *conflict.Error names "... attempts and last
// resourceVersion" (combined caller cancelled during the backoff).
func TestCancelDuringBackoffNamesTheResourceVersion(t *testing.T) {
	h, server := newEnv(t, seed())
	h.onWrite = func(_ context.Context, _ *Widget, _ bool, n int) error {
		if n >= 2 {
			return conflictErr(testName)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	other, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()
	slow := conflict.WithBackoff(conflict.Backoff{Initial: time.Second, Factor: 2, Cap: time.Second})
	obj := read(t, server)
	_, chs := heldBatch(t, h,
		func() error { return updateWidget(context.Background(), h, byName(), setSize(2), slow) },
		func() error { return updateWidget(ctx, h, obj, setSize(5), slow) },
		func() error { return updateWidget(other, h, byName(), addTag("x"), slow) },
	)
	time.Sleep(150 * time.Millisecond) // round 2 conflicted; both in backoff
	cancel()
	o, ok := await(t, chs[0], hangTimeout, "caller")
	if !ok {
		return
	}
	var ce *conflict.Error
	if !errors.As(o.err, &ce) || ce.ResourceVersion == "" || !apierrors.IsConflict(o.err) || !errors.Is(o.err, context.Canceled) {
		t.Errorf("err = %v, want *conflict.Error naming the last resourceVersion", o.err)
	}
}

// 409 forever, callers of different deadlines combined: each returns
// near its own deadline with a conflict + DeadlineExceeded.
func TestForeverConflictDifferentDeadlines(t *testing.T) {
	h, server := newEnv(t, seed())
	h.onWrite = func(context.Context, *Widget, bool, int) error { return conflictErr(testName) }
	ds := []time.Duration{150 * time.Millisecond, 400 * time.Millisecond, 900 * time.Millisecond}
	var chs []<-chan outcome
	for i, d := range ds {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		chs = append(chs, async(func() error { return updateWidget(ctx, h, read(t, server), setSize(int32(i+2)), fastBackoff) }))
	}
	for i, ch := range chs {
		o, ok := await(t, ch, hangTimeout, "caller")
		if !ok {
			continue
		}
		var ce *conflict.Error
		if !errors.As(o.err, &ce) || !apierrors.IsConflict(o.err) || !errors.Is(o.err, context.DeadlineExceeded) || o.took > ds[i]+150*time.Millisecond {
			t.Errorf("caller %d (deadline %v): took %v err %v", i, ds[i], o.took, o.err)
		}
	}
}

// Cancel at random moments of combined writes with conflicts; no
// leaks, no hangs, no races; no cancelled-while-waiting change is stored.
func TestRandomCancelsNoLeak(t *testing.T) {
	base := goruntime.NumGoroutine()
	h, server := newEnv(t, seed())
	var mu sync.Mutex
	n := 0
	h.onWrite = func(ctx context.Context, w *Widget, _ bool, _ int) error {
		time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		n++
		if n%3 == 0 {
			return conflictErr(testName)
		}
		return nil
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(40))*time.Millisecond)
			defer cancel()
			obj := byName()
			if i%2 == 0 {
				obj = read(t, server)
			}
			_ = updateWidget(ctx, h, obj, func(w *Widget) error {
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
				w.Spec.Tags = append(w.Spec.Tags, "t")
				return nil
			}, fastBackoff)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if !waitClosed(t, done, "all callers") {
		return
	}
	deadline := time.Now().Add(2 * time.Second)
	for goruntime.NumGoroutine() > base+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := goruntime.NumGoroutine(); g > base+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines %d, were %d:\n%s", g, base, buf[:goruntime.Stack(buf, true)])
	}
}

// Panic / Goexit in mutate on its second run only (after a conflict),
// combined with others.
func TestPanicOrGoexitOnSecondRun(t *testing.T) {
	for _, how := range []string{"panic", "goexit"} {
		t.Run(how, func(t *testing.T) {
			h, server := newEnv(t, seed())
			h.onWrite = func(_ context.Context, _ *Widget, _ bool, n int) error {
				if n == 2 {
					return conflictErr(testName)
				}
				return nil
			}
			bg := context.Background()
			runs := 0
			first, others := heldBatch(t, h,
				func() error { return updateWidget(bg, h, byName(), setSize(10), fastBackoff) },
				func() error {
					return updateWidget(bg, h, byName(), func(w *Widget) error {
						runs++
						if runs == 2 {
							if how == "panic" {
								panic("second run")
							}
							goruntime.Goexit()
						}
						w.Spec.Owner = "bad"
						return nil
					}, fastBackoff)
				},
				func() error { return updateWidget(bg, h, byName(), addTag("ok"), fastBackoff) },
			)
			mustSucceed(t, first, "first")
			if o, ok := await(t, others[0], hangTimeout, "bad"); ok && o.panicked == nil && !o.goexit {
				t.Errorf("bad caller: %+v", o)
			}
			mustSucceed(t, others[1], "ok caller")
			got := stored(t, server)
			if got.Spec.Owner == "bad" || len(got.Spec.Tags) != 1 {
				t.Errorf("stored %+v", got.Spec)
			}
			mustSucceed(t, async(func() error { return updateWidget(bg, h, byName(), setSize(11)) }), "later")
		})
	}
}

// A reader that fails after a conflict, combined callers: each gets
// the error, nothing hangs.
func TestReaderFailsAfterConflict(t *testing.T) {
	h, server := newEnv(t, seed())
	h.onWrite = func(_ context.Context, _ *Widget, _ bool, n int) error {
		if n == 2 {
			return conflictErr(testName)
		}
		return nil
	}
	gets := 0
	var gmu sync.Mutex
	h.onGet = func(context.Context, client.ObjectKey) error {
		gmu.Lock()
		defer gmu.Unlock()
		gets++
		if h.writes.Load() >= 2 {
			return apierrors.NewServiceUnavailable("reader down")
		}
		return nil
	}
	bg := context.Background()
	obj1, obj2 := read(t, server), read(t, server)
	first, others := heldBatch(t, h,
		func() error { return updateWidget(bg, h, byName(), setSize(10), fastBackoff) },
		func() error { return updateWidget(bg, h, obj1, setOwner("x"), fastBackoff) },
		func() error { return updateWidget(bg, h, obj2, addTag("y"), fastBackoff) },
	)
	mustSucceed(t, first, "first")
	for i, ch := range others {
		if o, ok := await(t, ch, hangTimeout, "caller"); ok && !apierrors.IsServiceUnavailable(o.err) {
			t.Errorf("caller %d: %v", i, o.err)
		}
	}
}

// CreateOrUpdate: the object is deleted between the read and the write.
func TestCreateOrUpdateDeletedBetweenReadAndWrite(t *testing.T) {
	h, server := newEnv(t, seed())
	h.onWrite = func(_ context.Context, _ *Widget, _ bool, n int) error {
		if n == 1 {
			_ = server.Delete(context.Background(), stored(t, server))
		}
		return nil
	}
	res, err := createOrUpdateWidget(context.Background(), h, byName(), setSize(4))
	if err != nil || res != "created" {
		t.Fatalf("res %v err %v", res, err)
	}
	if got := stored(t, server); got.Spec.Size != 4 {
		t.Errorf("stored %+v", got.Spec)
	}
}

// Accounting under random cancels, conflicts and refusals: a caller
// told success has its tag stored once; a caller told an error without
// ErrOutcomeUnknown has nothing stored.
func TestAccountingUnderRandomCancels(t *testing.T) {
	h, server := newEnv(t, seed())
	var mu sync.Mutex
	n := 0
	h.onWrite = func(ctx context.Context, w *Widget, _ bool, _ int) error {
		time.Sleep(time.Duration(rand.IntN(4)) * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		n++
		if n%4 == 0 {
			return conflictErr(testName)
		}
		for _, tg := range w.Spec.Tags {
			if tg == "refuse" {
				return forbiddenErr(testName, "no")
			}
		}
		return nil
	}
	type res struct {
		tag string
		err error
	}
	results := make(chan res, 60)
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(5+rand.IntN(60))*time.Millisecond)
			defer cancel()
			tag := "t" + string(rune('A'+i%26)) + string(rune('a'+i/26))
			if i%11 == 0 {
				tag = "refuse"
			}
			obj := byName()
			if i%2 == 0 {
				obj = read(t, server)
			}
			err := updateWidget(ctx, h, obj, addTag(tag), fastBackoff)
			results <- res{tag, err}
		}()
	}
	wg.Wait()
	close(results)
	got := stored(t, server)
	count := map[string]int{}
	for _, tg := range got.Spec.Tags {
		count[tg]++
	}
	for r := range results {
		switch {
		case r.err == nil && count[r.tag] != 1:
			t.Errorf("%s: success but stored %d times", r.tag, count[r.tag])
		case r.err != nil && !errors.Is(r.err, conflict.ErrOutcomeUnknown) && count[r.tag] != 0 && r.tag != "refuse":
			t.Errorf("%s: error %v but stored %d times", r.tag, r.err, count[r.tag])
		}
	}
}

// Two Go types for one GroupKind and name: the second type's call runs
// alone, but it was given a peer, so runAlone reads first although its obj
// is current. Promise: "An object that is current costs exactly one write
// and no read."
type Gadget Widget

func (g *Gadget) DeepCopy() *Gadget              { return (*Gadget)((*Widget)(g).DeepCopy()) }
func (g *Gadget) DeepCopyObject() runtime.Object { return g.DeepCopy() }

type twoTypes struct{ *hookClient }

func (c *twoTypes) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if g, ok := obj.(*Gadget); ok {
		obj = (*Widget)(g)
	}
	return c.hookClient.Get(ctx, key, obj, opts...)
}

func (c *twoTypes) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if g, ok := obj.(*Gadget); ok {
		obj = (*Widget)(g)
	}
	return c.hookClient.Update(ctx, obj, opts...)
}

func TestSecondGoTypeCostsARead(t *testing.T) {
	h, server := newEnv(t, seed())
	c := &twoTypes{h}
	hd := h.holdWrite(t, 1)
	h.onWrite = func(_ context.Context, _ *Widget, _ bool, n int) error {
		if n == 1 {
			return forbiddenErr(testName, "held write refused")
		}
		return nil
	}
	w := async(func() error { return updateWidget(context.Background(), c, read(t, server), setSize(3)) })
	waitClosed(t, hd.started, "widget write")
	g := (*Gadget)(read(t, server))
	before := h.gets.Load()
	err := conflict.Update(context.Background(), c, widgetKind, g, func(g *Gadget) error { g.Spec.Owner = "gadget"; return nil })
	reads := h.gets.Load() - before
	hd.Release()
	<-w
	if err != nil || reads != 0 {
		t.Errorf("gadget call with a current obj: err %v, %d reads; want no read", err, reads)
	}
}
