package conflict

import (
	"time"
)

// This file is the writer's side of a combiner: its goroutine takes the
// queued calls round by round and runs them through the engine, asking
// each caller to run its own mutate (combine_caller.go).

// slowMutate is how long the writer waits for a caller's mutate. A mutate
// that takes longer, because it blocks on something another caller of the
// object holds or calls a helper for the same object itself, is left
// behind: the write goes ahead without it, and its caller runs alone once
// its mutate returns, as if combining were off. Without this a mutate
// that waits for a caller queued behind it would wait forever.
const slowMutate = 50 * time.Millisecond

// write is the writer's goroutine: it runs rounds until the queue is
// empty, then closes the combiner.
func (cb *combiner[O, T]) write(e engine[O, T]) {
	for {
		cb.mu.Lock()
		if len(cb.queue) == 0 {
			cb.closed, cb.taken = true, nil
			cb.mu.Unlock()
			combiners.CompareAndDelete(cb.key, cb)
			return
		}
		batch := cb.takeLocked(nil)
		cb.taken = batch
		cb.mu.Unlock()
		cb.round(e, batch)
	}
}

// round runs one batch, starting from the newest object the writer or its
// callers hold (or a read when none holds one); either way it is not
// trusted to show that there is nothing to write. Only an object read or
// written is kept for the next round: a caller's own may hold its edits.
// A panic outside the callers' mutates (in the client, say) reaches every
// caller of the round, each in its own goroutine, as it would have alone.
func (cb *combiner[O, T]) round(e engine[O, T], batch []*call[O, T]) {
	defer func() {
		if p := recover(); p != nil {
			cb.mu.Lock()
			taken := cb.taken
			cb.mu.Unlock()
			for _, cl := range taken {
				cb.send(cl, peerMessage[O, T]{panicked: p}, nil)
			}
		}
	}()
	start, owner := newest(cb.last, batch)
	if last := e.run(batch, start, false, owner); last != nil {
		cb.last = last
	}
}

// applyFor asks cl's caller to run its mutate on a copy of base and waits
// for it, at most slowMutate. ok is false when cl is out of the attempt:
// its mutate failed or panicked (its caller has the outcome), its caller
// left, or it took too long and runs alone now (shared is then set: the
// caller may still be reading base).
func (cb *combiner[O, T]) applyFor(cl *call[O, T], base T) (next T, ok, shared bool) {
	step := make(chan struct{})
	p := cl.peer
	cb.mu.Lock()
	if p.state != waiting && p.state != applied {
		cb.mu.Unlock()
		return nil, false, false
	}
	p.state, p.step = mutating, step
	cb.mu.Unlock()
	p.inbox <- peerMessage[O, T]{base: base}

	timer := time.NewTimer(slowMutate)
	select {
	case <-step:
	case <-timer.C:
	}
	timer.Stop()
	cb.mu.Lock()
	defer cb.mu.Unlock()
	switch p.state {
	case applied:
		next, p.result = p.result, nil
		return next, true, false
	case mutating:
		p.state = alone
		p.inbox <- peerMessage[O, T]{alone: true}
		return nil, false, true
	}
	return nil, false, false
}

// claim marks the calls whose mutations go into a write as writing, and
// counts the attempt for each. all is false, with the calls still there,
// when a caller has left since its mutate ran.
func (cb *combiner[O, T]) claim(calls []*call[O, T]) (live []*call[O, T], all bool) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	live = calls[:0:0]
	for _, cl := range calls {
		if cl.peer.state == applied {
			live = append(live, cl)
		}
	}
	if len(live) != len(calls) {
		return live, false
	}
	for _, cl := range calls {
		cl.peer.state = writing
		cl.attempts++
	}
	return calls, true
}

// unclaim returns the calls of a write that stored nothing to waiting:
// a caller that leaves now is told nothing was written.
func (cb *combiner[O, T]) unclaim(calls []*call[O, T]) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	for _, cl := range calls {
		if cl.peer.state == writing {
			cl.peer.state = waiting
		}
	}
}

// answer gives cl its outcome, unless its caller already has one (it
// left, or it runs alone).
func (cb *combiner[O, T]) answer(cl *call[O, T], err error, obj T) {
	var m peerMessage[O, T]
	m.answered, m.err = true, err
	cb.send(cl, m, obj)
}

// send ends cl with m, with a copy of obj (the caller's to keep) when
// given.
func (cb *combiner[O, T]) send(cl *call[O, T], m peerMessage[O, T], obj T) {
	cb.mu.Lock()
	p := cl.peer
	if p.state == answered || p.state == alone {
		cb.mu.Unlock()
		return
	}
	if p.state == mutating {
		close(p.step)
	}
	p.state = answered
	if m.panicked == nil {
		cl.done(m.err)
	}
	cb.mu.Unlock()
	if obj != nil && m.err == nil {
		m.obj = obj.DeepCopy()
	}
	p.inbox <- m
}

// locked runs f with the combiner's lock held: the engine changes a
// call's attempts and last conflict, which its caller reads when it
// leaves.
func (cb *combiner[O, T]) locked(f func()) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	f()
}
