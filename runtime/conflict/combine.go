package conflict

import (
	"reflect"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// This file holds the combiners: one per object, client and operation
// while calls for it are under way, so that the concurrent Update (or
// UpdateStatus) calls of one process for one object share one write. A
// conflict costs a round trip and a read; N goroutines updating one object
// through separate read-mutate-write loops conflict with each other N-1
// times for every write that lands. Combined, one writer goroutine applies
// their mutations in order to one copy and writes it once; the retry
// policy is the engine's (engine.go), the same as for a call alone.
//
// combine_writer.go is the writer's side, combine_caller.go the caller's.
// A combiner lives only while it has calls: it keeps no object, timer or
// goroutine once its last call is answered, so that a process that
// updates many objects retains nothing for them.

// combineKey identifies the calls that may share a write: same client,
// reader, field owner, backoff, object and operation.
type combineKey struct {
	client, reader any
	kind           schema.GroupKind
	key            client.ObjectKey
	op             Operation
	owner          string
	backoff        Backoff
}

// combiners holds the *combiner[O, T] of each combineKey in use.
var combiners sync.Map

// combiner gathers the calls for one combineKey.
type combiner[O any, T Object[O]] struct {
	key combineKey
	mu  sync.Mutex
	// queue holds the calls not yet taken by the writer.
	queue []*call[O, T]
	// taken holds the calls the writer took in its current round, so that
	// a panic in the round can answer them.
	taken []*call[O, T]
	// closed is set when the writer has ended: the combiner is out of
	// combiners and a new call needs a new one.
	closed bool
	// last is the newest object the writer wrote or read, for the next
	// round to start from: callers that hold an old copy then cost no
	// conflict. Only the writer's goroutine uses it, and it goes with the
	// combiner when the burst of calls ends.
	last T
}

// combinable reports whether calls on c reading through r can be
// combined: the client and the reader must be usable as map keys.
func combinable(c client.Client, r client.Reader) bool {
	return reflect.ValueOf(c).Comparable() && reflect.ValueOf(r).Comparable()
}

// join adds cl to the combiner of its key, starting the combiner's writer
// when there is none.
func join[O any, T Object[O]](cl *call[O, T]) *combiner[O, T] {
	key := combineKey{client: cl.client, reader: cl.reader, kind: cl.kind.GroupKind, key: cl.key,
		op: cl.operation, owner: cl.fieldOwner, backoff: cl.backoff}
	p := &peer[O, T]{inbox: make(chan peerMessage[O, T], 2)}
	if cl.obj.GetResourceVersion() != "" {
		// A copy: the caller may leave, and then change its object, while
		// the writer still starts from it.
		p.start = cl.obj.DeepCopy()
	}
	for {
		v, loaded := combiners.Load(key)
		if !loaded {
			cb := &combiner[O, T]{key: key, queue: []*call[O, T]{cl}}
			cl.peer = p
			if _, loaded = combiners.LoadOrStore(key, cb); !loaded {
				go cb.write(engine[O, T]{lead: cl, cb: cb})
				return cb
			}
			continue
		}
		cb, ok := v.(*combiner[O, T])
		if !ok {
			// The same object used with another Go type: run alone.
			return nil
		}
		cb.mu.Lock()
		if !cb.closed {
			cl.peer = p
			cb.queue = append(cb.queue, cl)
			cb.mu.Unlock()
			return cb
		}
		cb.mu.Unlock()
		combiners.CompareAndDelete(key, cb)
	}
}

// take moves the queue into the writer's hands, joining the round under
// way (see takeLocked).
func (cb *combiner[O, T]) take() []*call[O, T] {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	batch := cb.takeLocked(cb.taken)
	cb.taken = append(cb.taken, batch...)
	return batch
}

// takeLocked removes from the queue, in order, the calls that can join
// round (the calls it holds already): all of them, but for the calls with
// a request ID beyond RequestLogSize in the round. One write records at
// most that many IDs: the log keeps RequestLogSize entries, and would
// drop a round's first IDs in the very write that records them, so that
// their retries would be applied again. The calls left wait for the next
// round.
func (cb *combiner[O, T]) takeLocked(round []*call[O, T]) []*call[O, T] {
	ids := 0
	for _, cl := range round {
		if cl.hasRequestID {
			ids++
		}
	}
	n := 0
	for ; n < len(cb.queue); n++ {
		if cb.queue[n].hasRequestID {
			if ids == RequestLogSize {
				break
			}
			ids++
		}
	}
	batch := cb.queue[:n:n]
	if n == len(cb.queue) {
		cb.queue = nil
	} else {
		cb.queue = append([]*call[O, T](nil), cb.queue[n:]...)
	}
	return batch
}

// newest returns the newest of last and the objects the callers started
// from (those that carry a resourceVersion), or nil, with the call whose
// object it is (nil for last).
func newest[O any, T Object[O]](last T, calls []*call[O, T]) (T, *call[O, T]) {
	n, owner := last, (*call[O, T])(nil)
	for _, cl := range calls {
		if s := cl.peer.start; s != nil && (n == nil || newer(s, n)) {
			n, owner = s, cl
		}
	}
	return n, owner
}

// newer reports whether a is newer than b. resourceVersions are compared
// as the integers the API server's etcd storage makes them; if either is
// not one, a counts as newer, and a stale guess costs one conflict.
func newer[O any, T Object[O]](a, b T) bool {
	x, errA := strconv.ParseUint(a.GetResourceVersion(), 10, 64)
	y, errB := strconv.ParseUint(b.GetResourceVersion(), 10, 64)
	if errA != nil || errB != nil {
		return true
	}
	return x > y
}
