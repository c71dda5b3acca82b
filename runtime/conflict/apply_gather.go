package conflict

import (
	"sync/atomic"
	"time"
)

// This file holds how long the next apply of a key waits for calls to
// share it. A request's answer ends the calls it carried; their callers,
// when they apply again at once (the goroutines of a worker pool that
// each reconcile a part of one object), need a moment to run their
// mutate. Sent at once, the next request would carry only the calls that
// queued while the last was under way, and the callers just answered
// would queue behind it: the requests alternate between two halves of the
// callers, each carrying half of what it could. Under a slow API server,
// every request saved is a request's worth of its time for every other
// writer of the object.

// maxGather bounds the wait for the calls of the next request: 50ms, or
// what a test sets (atomic: flushing goroutines of other tests may still
// read it).
var maxGather = func() *atomic.Int64 {
	var d atomic.Int64
	d.Store(int64(50 * time.Millisecond))
	return &d
}()

// gatherFor is how long the request after one that took took may wait for
// calls: a quarter of it (a queued call waits at most a quarter of a
// request longer), at most maxGather.
func gatherFor(took time.Duration) time.Duration {
	return min(took/4, time.Duration(maxGather.Load()))
}

// gather waits, after a request that answered answered calls and took
// took, until the queue holds as many calls as were under way or queued
// when its answer came (each caller answered has queued its next call),
// or gatherFor(took) has passed. It does not wait when the first call
// queued goes alone. It returns with st.mu held.
func (st *applyState[O, T]) gather(answered int, took time.Duration) {
	deadline := time.Now().Add(gatherFor(took))
	st.mu.Lock()
	// The queue's length when the answer came, not now: a caller answered
	// may have queued its next call already.
	want := answered + st.queuedAtAnswer
	for len(st.queue) < want && (len(st.queue) == 0 || st.queue[0].combining && !st.queue[0].solo) {
		wait := time.Until(deadline)
		if wait <= 0 {
			return
		}
		st.gathering = true
		st.mu.Unlock()
		timer := time.NewTimer(wait)
		select {
		case <-st.arrived:
		case <-timer.C:
		}
		timer.Stop()
		st.mu.Lock()
		st.gathering = false
	}
}
