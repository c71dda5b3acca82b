package conflict

import (
	"container/list"
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// This file holds the applies of one process to one object by one field
// manager, serialized and combined. Two applies of one manager sent at
// once would each carry the manager's owned fields as its copy knew them,
// and the later would drop the fields the earlier added; so they go one
// request at a time, each built on the answer to the one before, and the
// changes that wait meanwhile go together in the next request.
//
// The newest object known for the key (the last answer or read) is kept
// after the calls end, so that a no-op apply after an apply costs no
// request: for at most maxApplyStates keys, the least recently used
// forgotten first.

// maxApplyStates bounds the objects the applies of a process remember.
const maxApplyStates = 4096

// applyKey identifies the applies that share a state: same client,
// object, field manager and subresource. The client is part of it: two
// clients may reach two API servers, or two fake clients of one test
// suite hold objects of the same name and UID, and what one answered
// must not stand for the other. (So the applies of one manager through
// two clients are not serialized with each other: the README says so.)
type applyKey struct {
	client any
	kind   schema.GroupKind
	key    client.ObjectKey
	owner  string
	op     Operation
}

// applyState is what a process knows and queues for one applyKey.
type applyState[O any, T Object[O]] struct {
	mu sync.Mutex
	// writes counts the process's writes to the key's object
	// (object_writes.go), looked up once.
	writes *atomic.Uint64
	// last is the newest object read or answered for the key. It is
	// never changed once stored: mutations run on copies. lastSeq is the
	// count of the process's writes to the object (object_writes.go) at
	// which last was read or answered: last is trusted to be what the
	// server holds only while the count stays there.
	last    T
	lastSeq uint64
	// lastTyped is last's typed value, computed once when a call or a
	// request first needs it: the calls that start from last and the
	// request built on it share one conversion.
	lastTyped *typedOnce
	// queue holds the calls waiting for a request; flushing is set while
	// a goroutine sends them.
	queue    []*applyCall[O, T]
	flushing bool
	// applied is the configuration of the last apply that succeeded, and
	// answer the object the API server answered it with, at write count
	// answerSeq: see repeats.
	applied   *typed.TypedValue
	answer    T
	answerSeq uint64
	// gathering is set while the flushing goroutine waits for calls to
	// share its next request (apply_gather.go); submit then tells it of
	// each call through arrived.
	gathering bool
	arrived   chan struct{}
	// queuedAtAnswer is how many calls were queued when the last request
	// was answered (apply_gather.go).
	queuedAtAnswer int
}

// applyStates remembers the applyStates of the keys last used.
var applyStates = struct {
	mu    sync.Mutex
	byKey map[applyKey]*list.Element
	lru   list.List
}{byKey: map[applyKey]*list.Element{}}

type applyStateEntry struct {
	key   applyKey
	state any
}

// stateFor is the state of ac's key, or a state of its own when its
// client or reader cannot be a map key (or the key is used with another
// Go type): its applies are then not serialized with others.
func stateFor[O any, T Object[O]](ac *applyCall[O, T]) *applyState[O, T] {
	if !combinable(ac.client, ac.reader) {
		return &applyState[O, T]{writes: writesTo(ac.ref())}
	}
	key := applyKey{client: ac.client, kind: ac.kind.GroupKind, key: ac.key,
		owner: ac.fieldOwner, op: ac.operation}
	applyStates.mu.Lock()
	defer applyStates.mu.Unlock()
	if el, ok := applyStates.byKey[key]; ok {
		applyStates.lru.MoveToFront(el)
		if st, ok := el.Value.(*applyStateEntry).state.(*applyState[O, T]); ok {
			return st
		}
		return &applyState[O, T]{writes: writesTo(ac.ref())}
	}
	st := &applyState[O, T]{writes: writesTo(ac.ref())}
	applyStates.byKey[key] = applyStates.lru.PushFront(&applyStateEntry{key: key, state: st})
	// Forget the least recently used states beyond the bound, but never
	// one with calls queued or a request under way: a new call for its
	// key would start a new state and be sent beside that request, built
	// on what it read before the answer.
	for el := applyStates.lru.Back(); el != nil && applyStates.lru.Len() > maxApplyStates; {
		prev := el.Prev()
		if b, ok := el.Value.(*applyStateEntry).state.(interface{ busy() bool }); !ok || !b.busy() {
			applyStates.lru.Remove(el)
			delete(applyStates.byKey, el.Value.(*applyStateEntry).key)
		}
		el = prev
	}
	return st
}

// busy reports whether calls are queued or a request is under way.
func (st *applyState[O, T]) busy() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.flushing || len(st.queue) > 0
}

// locked runs f with the state's lock held.
func (st *applyState[O, T]) locked(f func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f()
}

// newest is the newest object known for the key, or nil, and whether it
// is current: no write of the process to the object was sent since it was
// read or answered.
func (st *applyState[O, T]) newest() (T, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.last, st.last != nil && st.currentLocked(st.lastSeq)
}

// currentLocked reports whether the process sent no write to the object
// after the one that made write count seq.
func (st *applyState[O, T]) currentLocked(seq uint64) bool {
	return st.writes.Load() == seq
}

// offer keeps obj, read or answered at write count seq, as the newest
// object if it is newer than the one kept; the same object read again
// later is current for longer.
func (st *applyState[O, T]) offer(obj T, seq uint64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.last == nil || obj.GetUID() != st.last.GetUID() || newer(obj, st.last):
		st.last, st.lastTyped, st.lastSeq = obj, &typedOnce{}, seq
	case !newer(st.last, obj) && seq > st.lastSeq:
		st.lastSeq = seq
	}
}

// typedOnce is an object's typed value in one schema, computed once.
type typedOnce struct {
	once   sync.Once
	schema *ApplyType
	v      *typed.TypedValue
	err    error
}

// typedValue is obj's typed value in schema a: for the newest object kept,
// the one computed for it before (it never changes once stored); for any
// other, or in another schema, a conversion of its own.
func (st *applyState[O, T]) typedValue(a *ApplyType, obj T) (*typed.TypedValue, error) {
	st.mu.Lock()
	t := st.lastTyped
	if obj != st.last || t == nil {
		t = &typedOnce{}
	}
	st.mu.Unlock()
	t.once.Do(func() { t.schema = a; t.v, t.err = a.typedValue(obj) })
	if t.schema != a {
		return a.typedValue(obj)
	}
	return t.v, t.err
}

// submit queues ac and waits for its answer or the end of its context.
func (st *applyState[O, T]) submit(ac *applyCall[O, T]) error {
	st.mu.Lock()
	st.queue = append(st.queue, ac)
	if !st.flushing {
		st.flushing = true
		go st.flush()
	}
	if st.gathering {
		select {
		case st.arrived <- struct{}{}:
		default: // told already
		}
	}
	st.mu.Unlock()
	select {
	case a := <-ac.answer:
		return ac.take(a)
	case <-ac.ctx.Done():
	}
	st.mu.Lock()
	select {
	case a := <-ac.answer:
		st.mu.Unlock()
		return ac.take(a)
	default:
	}
	taken := ac.taken
	if !taken {
		for i, q := range st.queue {
			if q == ac {
				st.queue = append(st.queue[:i:i], st.queue[i+1:]...)
				break
			}
		}
	}
	// An answer sent from now on is for nobody: the channel's buffer
	// keeps the sender from blocking on it.
	st.mu.Unlock()
	if taken {
		return ac.failed(ac.ctx.Err(), true, "")
	}
	return ac.wrapped(ac.ctx.Err())
}

// take ends ac with its answer.
func (ac *applyCall[O, T]) take(a applyAnswer[O, T]) error {
	if a.err == nil {
		*ac.obj = *a.obj.DeepCopy()
	}
	return a.err
}

// flush sends the queued calls until none is left, each request after
// the first gathering the calls that come meanwhile (apply_gather.go).
func (st *applyState[O, T]) flush() {
	st.mu.Lock()
	if st.arrived == nil {
		st.arrived = make(chan struct{}, 1)
	}
	for {
		batch := st.takeLocked()
		if len(batch) == 0 {
			st.flushing = false
			st.mu.Unlock()
			return
		}
		last, current := st.last, st.last != nil && st.currentLocked(st.lastSeq)
		st.mu.Unlock()
		start := time.Now()
		st.send(batch, last, current)
		st.gather(len(batch), time.Since(start))
	}
}

// takeLocked takes the calls of the next request: every queued call that
// may be combined, up to the first that must go alone, which goes alone,
// or that differs from the first in force or reader (one request is
// forced or not, and reads through one reader). Calls that differ so are
// still serialized with the others: they share the key's state, so that
// no apply is built on what was read before another's answer.
func (st *applyState[O, T]) takeLocked() []*applyCall[O, T] {
	n := 0
	for i, ac := range st.queue {
		if ac.solo || !ac.combining {
			if n == 0 {
				n = 1
			}
			break
		}
		if first := st.queue[0]; i > 0 && (ac.forceOwnership != first.forceOwnership ||
			!sameValue(ac.client, first.client) || !sameValue(ac.reader, first.reader)) {
			break
		}
		n++
	}
	batch := st.queue[:n:n]
	st.queue = st.queue[n:]
	for _, ac := range batch {
		ac.taken = true
	}
	return batch
}

// sameValue reports whether a and b are equal and comparable: a client or
// reader that is a struct value holding funcs (controller-runtime's
// interceptor) cannot be compared, and its calls go alone.
func sameValue(a, b any) bool {
	return reflect.ValueOf(a).Comparable() && reflect.ValueOf(b).Comparable() && a == b
}

// answerAll ends the calls of batch: err (per call when errFor is set),
// or success with obj.
func (st *applyState[O, T]) answerAll(batch []*applyCall[O, T], obj T, errFor func(*applyCall[O, T]) error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.queuedAtAnswer = len(st.queue)
	for _, ac := range batch {
		var err error
		if errFor != nil {
			err = errFor(ac)
		}
		ac.taken = false
		select {
		case ac.answer <- applyAnswer[O, T]{obj: obj, err: err}:
		default: // answered already
		}
	}
}

// requeue puts the calls of a refused combined request back in front of
// the queue, each to be sent alone.
func (st *applyState[O, T]) requeue(batch []*applyCall[O, T]) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var again []*applyCall[O, T]
	for _, ac := range batch {
		ac.taken, ac.solo = false, true
		if ac.ctx.Err() == nil {
			again = append(again, ac)
		}
	}
	// A caller that left was told nothing was stored, which holds.
	st.queue = append(again, st.queue...)
}

// send makes one request for batch, starting from the newest object known
// (last, trusted when current, or a caller's obj that is newer). A panic
// while it works (in a library it calls) fails the batch's calls instead
// of the process.
func (st *applyState[O, T]) send(batch []*applyCall[O, T], last T, current bool) {
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("server-side apply failed: %v", p)
			st.answerAll(batch, nil, func(ac *applyCall[O, T]) error { return ac.wrapped(err) })
		}
	}()
	cur, trusted := last, current
	for _, ac := range batch {
		if cur == nil || ac.base.GetUID() != cur.GetUID() || newer(ac.base, cur) {
			cur, trusted = ac.base, ac.trusted
		}
	}
	if len(batch) > 1 {
		// Calls that started from another incarnation of the object
		// (deleted and created again) go alone: one's change must not be
		// written into the other.
		var kept, alone []*applyCall[O, T]
		for _, ac := range batch {
			if ac.base.GetUID() == cur.GetUID() {
				kept = append(kept, ac)
			} else {
				alone = append(alone, ac)
			}
		}
		if len(alone) > 0 {
			st.requeue(alone)
			batch = kept
		}
	}
	ctxs := make([]context.Context, len(batch))
	deltas := make([]applyDelta, len(batch))
	for i, ac := range batch {
		ctxs[i], deltas[i] = ac.ctx, ac.delta
	}
	ctx, release := anyAliveOf(ctxs)
	defer release()
	lead := batch[0]
	fail := func(err error) { st.answerAll(batch, nil, func(*applyCall[O, T]) error { return err }) }
	for {
		if needsMigration(cur, lead.fieldOwner, lead.subresource()) {
			migrated, seq, err := lead.migrate(ctx, cur)
			if err != nil {
				fail(lead.wrapped(err))
				return
			}
			if seq != 0 {
				st.offer(migrated, seq)
				cur, trusted = migrated, st.current(seq)
			}
		}
		owned, err := ownedFields(cur.GetManagedFields(), lead.fieldOwner, lead.subresource(), false)
		if err != nil {
			fail(lead.wrapped(err))
			return
		}
		curValue, err := st.typedValue(lead.kind.Apply, cur)
		if err != nil {
			fail(lead.wrapped(err))
			return
		}
		config, same, err := applyConfig(curValue, owned, deltas)
		if err != nil {
			fail(lead.wrapped(err))
			return
		}
		if !same {
			if same, err = st.repeats(lead.call, config, cur, owned); err != nil {
				fail(lead.wrapped(err))
				return
			}
		}
		// An object that does not exist (the empty object a call by name
		// started from, without a resourceVersion) is created even when
		// the apply holds no field: ApplyX creates what is missing.
		same = same && cur.GetResourceVersion() != ""
		if same && trusted {
			st.answerAll(batch, cur, nil)
			return
		}
		if same {
			// Nothing to apply to an object a caller held, or one kept
			// from before another write of the process: confirm.
			seq := lead.writesSoFar()
			fresh, err := lead.read(ctx)
			if err != nil {
				fail(err)
				return
			}
			st.offer(fresh, seq)
			cur, trusted = fresh, true
			continue
		}
		fields, _ := config.AsValue().Unstructured().(map[string]any)
		body, err := lead.body(fields, cur.GetUID())
		if err != nil {
			fail(lead.wrapped(err))
			return
		}
		st.locked(func() {
			for _, ac := range batch {
				ac.attempts++
			}
		})
		// On an error the write may have been stored: the write count it
		// made leaves the kept object untrusted.
		answer, seq, err := lead.sendApply(ctx, body)
		if err == nil {
			st.offer(answer, seq)
			st.remember(config, answer, seq)
			st.answerAll(batch, answer, nil)
			return
		}
		if gone := deleted(err, lead.key, lead.operation); gone || replaced(err) {
			// The object cur is of was deleted (and maybe created again):
			// a call by name starts over from a read (and creates it, or
			// writes the new one); one through an obj of the old object
			// fails.
			st.forget(cur)
			st.answerAll(batch, nil, func(ac *applyCall[O, T]) error {
				switch {
				case ac.obj.GetUID() == "":
					return errStartOver
				case gone:
					return ac.wrapped(objectDeleted(ac.kind.GroupKind, ac.key, string(ac.obj.GetUID())))
				}
				return ac.wrapped(ErrObjectReplaced)
			})
			return
		}
		st.refusedApply(batch, err)
		return
	}
}

// remember keeps config, just applied, with the object answered to it at
// write count seq.
func (st *applyState[O, T]) remember(config *typed.TypedValue, answer T, seq uint64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.applied, st.answer, st.answerSeq = config, answer, seq
}

// current reports whether the process sent no write to the object after
// the one that made write count seq.
func (st *applyState[O, T]) current(seq uint64) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.currentLocked(seq)
}

// repeats reports whether applying config to cur, whose fields owned are
// the manager's, would change nothing because it repeats the last apply
// that succeeded: config equals that apply's configuration, the manager
// owns in cur what it owned in the answer, and cur holds the
// answer's values at config's fields. Applying a configuration again to
// the object it produced changes nothing, whatever the server defaulted
// inside it; config and cur alone cannot show that, since a value the
// server filled in (a container's imagePullPolicy, a defaulted field of
// an atomic list such as volumeClaimTemplates) looks like a change. A
// repeat after another writer took a field or changed its value is no
// repeat, and is sent.
func (st *applyState[O, T]) repeats(cl *call[O, T], config *typed.TypedValue, cur T, owned *fieldpath.Set) (bool, error) {
	st.mu.Lock()
	applied, answer, current := st.applied, st.answer, st.currentLocked(st.answerSeq)
	st.mu.Unlock()
	// After another write of the process (another field manager, an
	// update, an apply whose outcome is unknown) the answer is no longer
	// known to be what the server holds.
	if applied == nil || answer == nil || !current || answer.GetUID() != cur.GetUID() {
		return false, nil
	}
	// The cheap test first: an apply that changes a value is no repeat.
	if same, err := sameValues(applied, config); err != nil || !same {
		return false, err
	}
	kept, err := ownedFields(answer.GetManagedFields(), cl.fieldOwner, cl.subresource(), false)
	if err != nil || !kept.Equals(owned) {
		return false, err
	}
	fields, err := config.ToFieldSet()
	if err != nil {
		return false, err
	}
	was, err := st.typedValue(cl.kind.Apply, answer)
	if err != nil {
		return false, err
	}
	now, err := st.typedValue(cl.kind.Apply, cur)
	if err != nil {
		return false, err
	}
	fields = fields.Leaves()
	return sameValues(extract(was, fields), extract(now, fields))
}

// sameValues reports whether a and b hold the same fields and values.
func sameValues(a, b *typed.TypedValue) (bool, error) {
	cmp, err := a.Compare(b)
	if err != nil {
		return false, err
	}
	return cmp.IsSame(), nil
}

// forget drops obj if it is the newest object kept: it is of an
// incarnation of the object that was deleted.
func (st *applyState[O, T]) forget(obj T) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.last == obj {
		st.last, st.lastTyped = nil, nil
	}
}

// refusedApply ends or requeues the calls of a request that failed with
// err. An ownership conflict or a refusal for content fails only the
// calls whose change caused it: a combined request is split into calls
// sent alone. An ownership conflict is never retried as it is.
func (st *applyState[O, T]) refusedApply(batch []*applyCall[O, T], err error) {
	if apierrors.IsConflict(err) {
		var counted []*Metrics
		for _, ac := range batch {
			if !containsMetrics(counted, ac.metrics) {
				counted = append(counted, ac.metrics)
				ac.metrics.conflict(ac.kind.GroupKind, ac.operation)
			}
		}
	}
	owned := ownershipError(err, batch[0].kind.GroupKind, batch[0].key, batch[0].operation)
	if len(batch) > 1 && (owned != nil || refused(err)) {
		st.requeue(batch)
		return
	}
	st.answerAll(batch, nil, func(ac *applyCall[O, T]) error {
		if owned != nil {
			ac.log.V(1).Info("apply refused: fields owned by other field managers", "kind", kindString(ac.kind.GroupKind),
				"object", ac.key, "operation", ac.operation, "conflicts", owned.Conflicts)
			return owned
		}
		return ac.failed(err, true, "")
	})
}
