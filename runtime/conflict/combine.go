package conflict

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// This file combines the concurrent Update (or UpdateStatus) calls of one
// process for one object into one write. A conflict costs a round trip
// and a read; N goroutines updating one object through separate
// read-mutate-write loops conflict with each other N-1 times for every
// write that lands. Combined, they queue their mutations, and one writer
// applies the queue in order to one fresh copy and writes it once.
//
// Each caller's outcome is as if its update ran alone, after the updates
// queued before it:
//   - mutate runs on a copy that already holds the updates before it; an
//     error from it fails its caller only, and its changes are dropped;
//   - a write the API server rejects as invalid (the schema rejects one
//     caller's change) is split in halves and retried until the culprit
//     is alone with its error; other errors (not found, forbidden, 5xx, a
//     lost connection) are every caller's, as they would have been alone;
//   - after a conflict the object is read again and every mutate runs
//     again on the fresh copy, under the usual backoff and budgets;
//   - a caller whose context ends while it waits leaves the queue; one
//     whose mutation is in a write under way waits for that write's answer
//     and reports it truthfully. The write itself ends only when every
//     caller in it has gone.
//
// The first attempt starts from the newest object the process knows: the
// last one the combiner wrote or read, or a caller's own, by
// resourceVersion.

// combineKey identifies the calls that may share a write: same client,
// reader, field owner, object and operation.
type combineKey struct {
	client, reader any
	kind           schema.GroupKind
	key            client.ObjectKey
	op             Operation
	owner          string
}

// combiners holds one *combiner[O, T] per combineKey while it is in use
// and for a while after, so that the next burst starts from the object it
// last wrote.
var combiners sync.Map

// combinerIdle is how long an idle combiner keeps its last object.
const combinerIdle = 30 * time.Second

// request is one caller's update waiting in a combiner.
type request[O any, T Object[O]] struct {
	ctx      context.Context
	obj      T
	mutate   func(T) error
	deadline time.Time
	// ctxDeadline is set when the context's deadline is the request's.
	ctxDeadline bool
	// uid is the object's UID when the request first ran, so that a
	// request made by name alone notices the object being replaced.
	uid  string
	done chan error
	// Guarded by the combiner's mutex: claimed while its mutation is in
	// an attempt (it cannot leave then), finished once answered.
	claimed, finished bool
	attempts          int
	lastErr           error
}

type combiner[O any, T Object[O]] struct {
	key combineKey
	mu  sync.Mutex
	// queue holds the requests not yet taken by the writer.
	queue   []*request[O, T]
	running bool
	dead    bool
	idleAt  time.Time
	// last is the newest object the combiner wrote or read. Nothing
	// changes it once it is here: it is copied before any mutate.
	last T
}

// combinable reports whether calls with r's options on c can be combined:
// the client and the reader must be usable as map keys.
func combinable(c client.Client, r client.Reader) bool {
	return reflect.ValueOf(c).Comparable() && reflect.ValueOf(r).Comparable()
}

func combinerFor[O any, T Object[O]](key combineKey) *combiner[O, T] {
	for {
		v, ok := combiners.Load(key)
		if !ok {
			v, _ = combiners.LoadOrStore(key, &combiner[O, T]{key: key})
		}
		cb, ok := v.(*combiner[O, T])
		if !ok {
			// The same object used with another Go type: do not share.
			cb = &combiner[O, T]{key: key}
			cb.mu.Lock()
			return cb
		}
		cb.mu.Lock()
		if !cb.dead {
			return cb // locked
		}
		cb.mu.Unlock()
	}
}

// combine is Update and UpdateStatus with combining: it queues the call
// and waits for its answer.
func (r *run[O, T]) combine(ctx context.Context, obj T, mutate func(T) error, write func(context.Context, T) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := combineKey{client: r.client, reader: r.reader, kind: r.kind, key: r.key, op: r.operation, owner: r.fieldOwner}
	cb := combinerFor[O, T](key)
	req := &request[O, T]{ctx: ctx, obj: obj, mutate: mutate, deadline: r.deadline, ctxDeadline: r.ctxDeadline,
		uid: string(obj.GetUID()), done: make(chan error, 1)}
	cb.queue = append(cb.queue, req)
	if !cb.running {
		cb.running = true
		go cb.run(r, write)
	}
	cb.mu.Unlock()

	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
	}
	cb.mu.Lock()
	if !req.claimed && !req.finished {
		req.finished = true
		err := r.ended(req, ctx.Err())
		attempts := req.attempts
		cb.mu.Unlock()
		r.metrics.done(r.kind, r.operation, attempts, false)
		return err
	}
	cb.mu.Unlock()
	// Its mutation is in a write under way: that write's answer is its.
	return <-req.done
}

// run is the combiner's writer: it takes the queue, batch by batch, until
// it is empty.
func (cb *combiner[O, T]) run(r *run[O, T], write func(context.Context, T) error) {
	for {
		cb.mu.Lock()
		if len(cb.queue) == 0 {
			cb.running = false
			cb.idleAt = time.Now()
			cb.mu.Unlock()
			time.AfterFunc(combinerIdle, cb.retire)
			return
		}
		cb.mu.Unlock()
		cb.process(r, cb.take(), write, nil)
	}
}

// take empties the queue.
func (cb *combiner[O, T]) take() []*request[O, T] {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	batch := cb.queue
	cb.queue = nil
	return batch
}

// retire forgets an idle combiner.
func (cb *combiner[O, T]) retire() {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if cb.running || len(cb.queue) > 0 || time.Since(cb.idleAt) < combinerIdle {
		return
	}
	cb.dead = true
	combiners.CompareAndDelete(cb.key, cb)
}

// process writes one batch: every live request's mutation applied in
// order to one copy of base (the newest known object when nil).
func (cb *combiner[O, T]) process(r *run[O, T], batch []*request[O, T], write func(context.Context, T) error, base T) {
	for {
		batch = cb.claim(r, batch)
		if len(batch) == 0 {
			return
		}
		ctx, release := anyAlive(batch)
		if base == nil {
			var err error
			if base, err = cb.start(ctx, r, batch); err != nil {
				release()
				cb.fail(r, batch, err)
				return
			}
		}
		if batch = cb.sameObject(r, batch, base); len(batch) == 0 {
			release()
			return
		}

		working := base
		applied := batch[:0:0]
		for _, req := range batch {
			next, err := r.apply(working, req.mutate)
			if err != nil {
				cb.finish(r, req, err, nil)
				continue
			}
			working, applied = next, append(applied, req)
		}
		batch = applied
		if len(batch) == 0 {
			release()
			return
		}
		if equality.Semantic.DeepEqual(base, working) {
			release()
			cb.finishAll(r, batch, nil, base)
			return
		}
		cb.mu.Lock()
		for _, req := range batch {
			req.attempts++
		}
		cb.mu.Unlock()
		err := write(ctx, working)
		release()
		switch {
		case err == nil:
			cb.remember(working)
			cb.finishAll(r, batch, nil, working)
			return
		case !apierrors.IsConflict(err):
			if len(batch) == 1 || !rejectsContent(err) {
				cb.fail(r, batch, err)
				return
			}
			// Find the request the server rejects: each half on its own,
			// from the same, still current, base.
			half := len(batch) / 2
			cb.unclaim(batch)
			cb.process(r, batch[:half], write, base)
			cb.process(r, batch[half:], write, nil)
			return
		}
		r.metrics.conflict(r.kind, r.operation)
		cb.mu.Lock()
		for _, req := range batch {
			req.lastErr = err
		}
		cb.mu.Unlock()
		cb.unclaim(batch)
		// Callers that queued meanwhile join the next attempt, on the
		// fresh read, rather than wait for this batch to be done.
		batch = append(cb.backoff(r, batch, base.GetResourceVersion()), cb.take()...)
		if len(batch) == 0 {
			return
		}
		ctx, release = anyAlive(batch)
		fresh := T(new(O))
		err = r.reader.Get(ctx, r.key, fresh)
		release()
		if err != nil {
			cb.fail(r, batch, err)
			return
		}
		cb.remember(fresh)
		base = fresh
	}
}

// rejectsContent reports whether the API server rejected what was written
// (schema validation, a malformed or too large object): only then can one
// caller's change be the culprit, and only then is it certain that nothing
// was stored. Any other error fails the whole batch, as it would have
// failed each caller alone: after a 500, a timeout or a dropped connection
// the write may have been stored, and writing the halves again could apply
// a mutation twice.
func rejectsContent(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsRequestEntityTooLargeError(err)
}

// claim takes the requests of batch that are still waiting: their
// mutations may go into the next write, and they cannot leave before its
// answer. The others have left or their context has ended.
func (cb *combiner[O, T]) claim(r *run[O, T], batch []*request[O, T]) []*request[O, T] {
	cb.mu.Lock()
	live := batch[:0:0]
	var ended []*request[O, T]
	var errs []error
	for _, req := range batch {
		switch {
		case req.finished:
		case req.ctx.Err() != nil:
			ended = append(ended, req)
			errs = append(errs, r.ended(req, req.ctx.Err()))
		default:
			req.claimed = true
			live = append(live, req)
		}
	}
	cb.mu.Unlock()
	for i, req := range ended {
		cb.finish(r, req, errs[i], nil)
	}
	return live
}

func (cb *combiner[O, T]) unclaim(batch []*request[O, T]) {
	cb.mu.Lock()
	for _, req := range batch {
		req.claimed = false
	}
	cb.mu.Unlock()
}

// backoff waits before the next attempt. Requests whose budget or
// deadline does not leave room for it give up now, with the same error
// the uncombined helpers return.
func (cb *combiner[O, T]) backoff(r *run[O, T], batch []*request[O, T], rv string) []*request[O, T] {
	cb.mu.Lock()
	attempts := 0
	for _, req := range batch {
		attempts = max(attempts, req.attempts)
	}
	delay := r.backoff.Delay(attempts, rand.Float64())
	wake := time.Now().Add(delay)
	live := batch[:0:0]
	var out []*request[O, T]
	var errs []error
	for _, req := range batch {
		if !wake.After(req.deadline) {
			live = append(live, req)
			continue
		}
		out = append(out, req)
		errs = append(errs, r.gaveUp(req.attempts, rv, req.lastErr, outOfTime(req.ctx, req.ctxDeadline)))
	}
	cb.mu.Unlock()
	for i, req := range out {
		cb.finish(r, req, errs[i], nil)
	}
	if len(live) > 0 {
		r.log.V(1).Info("conflict, retrying combined update", "kind", kindString(r.kind), "object", r.key,
			"operation", r.operation, "callers", len(live), "attempt", attempts, "resourceVersion", rv, "delay", delay)
		time.Sleep(delay)
	}
	return live
}

// start returns the object the first attempt starts from: the newest of
// the combiner's last object and the callers' own, or a read when none is
// known.
func (cb *combiner[O, T]) start(ctx context.Context, r *run[O, T], batch []*request[O, T]) (T, error) {
	cb.mu.Lock()
	last := cb.last
	cb.mu.Unlock()
	newest := last
	for _, req := range batch {
		if req.obj.GetResourceVersion() != "" && newer(req.obj, newest) {
			newest = req.obj
		}
	}
	switch {
	case newest == nil:
	case newest == last:
		return last, nil // nothing changes it
	default:
		return T(newest.DeepCopy()), nil // a caller's: the caller's to change
	}
	fresh := T(new(O))
	if err := r.reader.Get(ctx, r.key, fresh); err != nil {
		return nil, err
	}
	cb.remember(fresh)
	return fresh, nil
}

// sameObject fails the requests made for another incarnation of the
// object than base (it was deleted and created again).
func (cb *combiner[O, T]) sameObject(r *run[O, T], batch []*request[O, T], base T) []*request[O, T] {
	live := batch[:0:0]
	for _, req := range batch {
		if req.uid == "" {
			req.uid = string(base.GetUID())
		}
		if req.uid != string(base.GetUID()) {
			cb.finish(r, req, r.wrapped(ErrObjectReplaced), nil)
			continue
		}
		live = append(live, req)
	}
	return live
}

// remember keeps obj as the newest known object, if it is. obj must not
// change afterwards: the combiner's bases (what it wrote or read) never
// do, as every mutate and every answer works on a copy.
func (cb *combiner[O, T]) remember(obj T) {
	cb.mu.Lock()
	if newer(obj, cb.last) {
		cb.last = obj
	}
	cb.mu.Unlock()
}

// newer reports whether a is newer than b (nil is older than anything).
// resourceVersions are compared as the integers the API server's etcd
// storage makes them; if either is not one, a counts as newer, so that the
// caller's own object is used and a stale guess costs one conflict.
func newer[O any, T Object[O]](a, b T) bool {
	if b == nil {
		return true
	}
	x, errA := strconv.ParseUint(a.GetResourceVersion(), 10, 64)
	y, errB := strconv.ParseUint(b.GetResourceVersion(), 10, 64)
	if errA != nil || errB != nil {
		return true
	}
	return x > y
}

func (cb *combiner[O, T]) finishAll(r *run[O, T], batch []*request[O, T], err error, obj T) {
	for _, req := range batch {
		cb.finish(r, req, err, obj)
	}
}

// fail answers every request of batch with err, except those whose
// context has ended: they get the error of a call that gave up, as the
// uncombined helpers answer (the request failed because they all left).
func (cb *combiner[O, T]) fail(r *run[O, T], batch []*request[O, T], err error) {
	for _, req := range batch {
		e := err
		if cause := req.ctx.Err(); cause != nil {
			cb.mu.Lock()
			e = r.ended(req, cause)
			cb.mu.Unlock()
		}
		cb.finish(r, req, e, nil)
	}
}

// finish answers req: err, or success with a copy of obj in the caller's
// object.
func (cb *combiner[O, T]) finish(r *run[O, T], req *request[O, T], err error, obj T) {
	cb.mu.Lock()
	if req.finished {
		cb.mu.Unlock()
		return
	}
	req.finished, req.claimed = true, false
	cb.mu.Unlock()
	if err == nil {
		*req.obj = *obj.DeepCopy()
	}
	r.metrics.done(r.kind, r.operation, req.attempts, isExhausted(err))
	req.done <- err
}

// ended is the error of a request whose context ended before it was
// written. The combiner's mutex is held.
func (r *run[O, T]) ended(req *request[O, T], cause error) error {
	if req.lastErr == nil {
		return r.wrapped(cause)
	}
	return r.gaveUp(req.attempts, "", req.lastErr, cause)
}

// anyAlive returns a context for work done on behalf of batch: it keeps
// the first caller's values and ends only when every caller's context has
// ended, so that no caller's cancel cancels the others' write.
func anyAlive[O any, T Object[O]](batch []*request[O, T]) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(batch[0].ctx))
	var mu sync.Mutex
	left := len(batch)
	stops := make([]func() bool, len(batch))
	for i, req := range batch {
		stops[i] = context.AfterFunc(req.ctx, func() {
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
