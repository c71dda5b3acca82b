package conflict

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// This file is the retry policy, written once. It runs a batch of calls
// on one object: one call alone (Update with combining off, CreateOrUpdate,
// UpdateFrom, a call a combiner let go) or the calls a combiner gathered.
// An attempt applies each call's mutation, in order, to one copy of the
// starting object and writes the result once:
//
//   - a mutate that fails fails its own call, and its changes are dropped;
//   - nothing to write is success only when the starting object was read
//     from the server or written by the helper ("trusted"); a caller's own
//     object may be stale or already edited, so the object is read and the
//     mutations applied again before success is reported;
//   - a 409 Conflict: each call's conflict is counted, the calls whose time
//     runs out give up, the others wait out the backoff, and the object is
//     read again (its UID checked) for the next attempt;
//   - a write the API server refused for its content (invalid, malformed,
//     too large, denied by admission): nothing was stored, so a batch of
//     several calls is split in halves until the refused call is alone;
//   - any other error is every call's: the write may have been stored, so
//     it is never written again blind.

// engine runs the retry policy for the calls of one object, client,
// reader, operation and backoff: lead's. cb is the combiner it works for,
// or nil when a call runs alone.
type engine[O any, T Object[O]] struct {
	lead *call[O, T]
	cb   *combiner[O, T]
}

// run runs calls to their end, starting from base (nil: read first);
// trusted says base was read from the server or written by the helper,
// owner names the call whose own object base is a copy of (nil if none).
// It returns the newest trusted object it knows (nil if none), for the
// batch that follows.
//
// A caller's own object may hold edits it made before the call: they are
// written with its mutation, never without it. When owner drops out of an
// attempt (its mutate failed, it left, it was left behind), the attempt
// starts over from a read.
func (e engine[O, T]) run(calls []*call[O, T], base T, trusted bool, owner *call[O, T]) T {
	conflicts := 0
	for {
		if base == nil {
			ctx, release := anyAlive(calls)
			fresh, err := e.lead.read(ctx)
			release()
			if err != nil {
				for _, cl := range calls {
					e.answer(cl, cl.failed(err, false, ""), nil)
				}
				return nil
			}
			base, trusted, owner = fresh, true, nil
		}
		calls = e.sameObject(calls, base, trusted)
		working := base
		applied := calls[:0:0]
		shared := false
		for _, cl := range calls {
			next, ok, left := e.apply(cl, working)
			shared = shared || left
			if ok {
				working, applied = next, append(applied, cl)
			}
		}
		calls = applied
		if len(calls) == 0 {
			return trustedOrNil(base, trusted)
		}
		if owner != nil && !slices.Contains(calls, owner) {
			base = nil // the owner's own edits must not be written without it
			continue
		}
		if equality.Semantic.DeepEqual(base, working) {
			if trusted {
				for _, cl := range calls {
					e.answer(cl, nil, base)
				}
				return base
			}
			base = nil // confirm against the server before reporting success
			continue
		}
		if live, all := e.claim(calls); !all {
			calls = live // a caller left: its mutation must not be written
			continue
		}
		if shared {
			// A caller left behind may still be copying working: the
			// write decodes the answer into a copy of its own.
			working = working.DeepCopy()
		}
		ctx, release := anyAlive(calls)
		err := e.lead.write(ctx, working)
		release()
		switch {
		case err == nil:
			for _, cl := range calls {
				cl.stored = true
				e.answer(cl, nil, working)
			}
			return working
		case apierrors.IsConflict(err):
			e.unclaim(calls)
			conflicts++
			calls = e.backoff(calls, conflicts, base.GetResourceVersion(), err)
			calls = append(calls, e.joiners()...)
			if len(calls) == 0 {
				return nil
			}
			base = nil
		case len(calls) > 1 && refused(err):
			// Nothing was stored: base is as current as it was.
			e.unclaim(calls)
			half := len(calls) / 2
			last := e.run(calls[:half], base, trusted, owner)
			if last == nil {
				return e.run(calls[half:], base, trusted, owner)
			}
			return e.run(calls[half:], last, true, nil)
		default:
			for _, cl := range calls {
				e.answer(cl, cl.failed(err, true, base.GetResourceVersion()), nil)
			}
			return nil
		}
	}
}

// sameObject answers the calls made for another incarnation of the object
// than base (it was deleted and created again) and returns the others. A
// call made by name learns the object's UID only from a trusted base: an
// object another caller held may be of an incarnation since replaced.
func (e engine[O, T]) sameObject(calls []*call[O, T], base T, trusted bool) []*call[O, T] {
	live := calls[:0:0]
	for _, cl := range calls {
		if !cl.sameObject(base, trusted) {
			e.answer(cl, cl.wrapped(ErrObjectReplaced), nil)
			continue
		}
		live = append(live, cl)
	}
	return live
}

// backoff counts the conflict for every call (once per metrics), gives up
// the calls that have no time left for another attempt, and waits before
// the next one. It returns the calls still waiting for their write.
func (e engine[O, T]) backoff(calls []*call[O, T], conflicts int, rv string, conflict error) []*call[O, T] {
	delay := e.lead.backoff.Delay(conflicts, rand.Float64())
	wake := time.Now().Add(delay)
	live := calls[:0:0]
	var counted []*Metrics
	e.locked(func() {
		for _, cl := range calls {
			cl.lastConflict, cl.lastRV = conflict, rv
		}
	})
	for _, cl := range calls {
		if !containsMetrics(counted, cl.metrics) {
			counted = append(counted, cl.metrics)
			cl.metrics.conflict(cl.kind.GroupKind, cl.operation)
		}
		if wake.After(cl.deadline) {
			// No time for another attempt: waiting for the context to end
			// would change nothing but the latency.
			e.answer(cl, cl.gaveUp(rv, outOfTime(cl.ctx, cl.ctxDeadline)), nil)
			continue
		}
		cl.log.V(1).Info("conflict, retrying", "kind", kindString(cl.kind.GroupKind), "object", cl.key,
			"operation", cl.operation, "attempt", cl.attempts, "resourceVersion", rv, "delay", delay, "combined", len(calls))
		live = append(live, cl)
	}
	if len(live) == 0 {
		return nil
	}
	ctx, release := anyAlive(live)
	timer := time.NewTimer(delay)
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
	timer.Stop()
	release()
	waiting := live[:0:0]
	for _, cl := range live {
		if cl.ctx.Err() != nil {
			e.answer(cl, cl.gaveUp(rv, cl.ctx.Err()), nil)
			continue
		}
		waiting = append(waiting, cl)
	}
	return waiting
}

// trustedOrNil is obj if trusted, else nil.
func trustedOrNil[O any, T Object[O]](obj T, trusted bool) T {
	if trusted {
		return obj
	}
	return nil
}

func containsMetrics(ms []*Metrics, m *Metrics) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// apply runs cl's mutation on a copy of base, in the caller's goroutine
// either way. ok is false when cl is out of this attempt: its mutate
// failed and it has its answer, it left, or it was left behind (shared:
// its caller may still be reading base).
func (e engine[O, T]) apply(cl *call[O, T], base T) (next T, ok, shared bool) {
	if e.cb != nil {
		return e.cb.applyFor(cl, base)
	}
	next, err := cl.applyTo(base)
	if err != nil {
		e.answer(cl, err, nil)
		return nil, false, false
	}
	return next, true, false
}

// answer ends cl: err, or success with obj's content in the caller's
// object. A call that runs alone records its metrics when it returns.
func (e engine[O, T]) answer(cl *call[O, T], err error, obj T) {
	if e.cb != nil {
		e.cb.answer(cl, err, obj)
		return
	}
	if err == nil && obj != cl.obj {
		*cl.obj = *obj
	}
	cl.err = err
}

// claim marks the calls whose mutations go into a write and counts the
// attempt for each; all is false, with the calls still there, when one
// has left since its mutation ran.
func (e engine[O, T]) claim(calls []*call[O, T]) (live []*call[O, T], all bool) {
	if e.cb != nil {
		return e.cb.claim(calls)
	}
	for _, cl := range calls {
		cl.attempts++
	}
	return calls, true
}

// locked runs f under the combiner's lock, if any.
func (e engine[O, T]) locked(f func()) {
	if e.cb != nil {
		e.cb.locked(f)
		return
	}
	f()
}

// unclaim returns the calls of a write that stored nothing to waiting.
func (e engine[O, T]) unclaim(calls []*call[O, T]) {
	if e.cb != nil {
		e.cb.unclaim(calls)
	}
}

// joiners are the calls that arrived for the object meanwhile: they join
// the next attempt rather than wait for this batch to end.
func (e engine[O, T]) joiners() []*call[O, T] {
	if e.cb != nil {
		return e.cb.take()
	}
	return nil
}

// refused reports whether the API server refused a write for what it
// carries (schema validation, a malformed or too large object, a denial
// by an admission webhook or policy): only then can one caller's change
// be the culprit, and then nothing was stored.
func refused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) ||
		apierrors.IsRequestEntityTooLargeError(err) || apierrors.IsForbidden(err)
}

// mayHaveStored reports whether a failed write may still have been
// stored: the API server answered with a server error or a timeout, or
// no answer came at all.
func mayHaveStored(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return true
	}
	code := status.Status().Code
	return code == 0 || code >= http.StatusInternalServerError
}

// outOfTime is the Cause of the [*Error] of a call that has no time left
// for another attempt: the context's error if it ended, DeadlineExceeded
// if the context's deadline (ctxDeadline), not the budget, is what is
// running out, and nil when the budget ran out.
func outOfTime(ctx context.Context, ctxDeadline bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctxDeadline {
		return context.DeadlineExceeded
	}
	return nil
}

// anyAlive returns a context for work done on behalf of calls: it keeps
// the first caller's values and ends only when every caller's context has
// ended, so that no caller's cancel cancels the others' write.
func anyAlive[O any, T Object[O]](calls []*call[O, T]) (context.Context, func()) {
	ctxs := make([]context.Context, len(calls))
	for i, cl := range calls {
		ctxs[i] = cl.ctx
	}
	return anyAliveOf(ctxs)
}

// anyAliveOf is anyAlive for the contexts of several callers.
func anyAliveOf(ctxs []context.Context) (context.Context, func()) {
	if len(ctxs) == 1 {
		return ctxs[0], func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctxs[0]))
	var mu sync.Mutex
	left := len(ctxs)
	stops := make([]func() bool, len(ctxs))
	for i, c := range ctxs {
		stops[i] = context.AfterFunc(c, func() {
			mu.Lock()
			left--
			if left == 0 {
				cancel()
			}
			mu.Unlock()
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}
