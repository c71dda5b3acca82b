package conflict

import (
	"fmt"
	"slices"
)

// This file is the caller's side of a combiner: a combined call waits in
// its own goroutine for the writer's messages, runs its mutate there when
// asked, and returns when answered, when its context ends, or runs alone
// when the writer left it behind.

// peerState is where a combined call is.
type peerState int

const (
	// waiting: queued, or between two attempts.
	waiting peerState = iota
	// mutating: the writer asked the caller to run its mutate.
	mutating
	// applied: its mutation is in the attempt being built.
	applied
	// writing: its mutation is in a write under way.
	writing
	// answered: it has its outcome, or the outcome is on its way.
	answered
	// alone: the writer left it behind; it runs alone.
	alone
)

// peer is a combined call's link with the writer. state, step and result
// are guarded by the combiner's mutex.
type peer[O any, T Object[O]] struct {
	// start is a copy of the caller's object, when it carries a
	// resourceVersion: a round may start from it.
	start T
	state peerState
	// inbox carries the writer's messages; at most two are ever pending
	// (a mutate request the caller has not taken, and "run alone").
	inbox chan peerMessage[O, T]
	// step is closed when the mutate the writer asked for has ended.
	step chan struct{}
	// result is the caller's mutated copy.
	result T
}

// peerMessage is what the writer tells a caller: run your mutate on base; run
// alone; or the outcome (answered, with err and the object, or a panic).
type peerMessage[O any, T Object[O]] struct {
	base     T
	alone    bool
	answered bool
	err      error
	obj      T
	panicked any
}

// combine runs cl combined with the process's concurrent calls for the
// same object.
func combine[O any, T Object[O]](cl *call[O, T]) error {
	cb := join(cl)
	if cb == nil {
		return runAlone(cl)
	}
	done := cl.ctx.Done()
	for {
		select {
		case m := <-cl.peer.inbox:
			switch {
			case m.base != nil:
				if err, failed := cb.mutateFor(cl, m.base); failed {
					return err
				}
			case m.alone:
				return runAlone(cl)
			case m.panicked != nil:
				panic(m.panicked)
			case m.answered:
				if m.err == nil {
					*cl.obj = *m.obj
				}
				return m.err
			}
		case <-done:
			if err, left := cb.leave(cl); left {
				return err
			}
			done = nil // its outcome is on its way
		}
	}
}

// mutateFor runs cl's mutate on a copy of base, in the caller's goroutine,
// and hands the result to the writer. failed is set when mutate failed:
// err is then the call's outcome. A panic in mutate unwinds the caller's
// goroutine, as it would have alone, and the writer goes on without it.
func (cb *combiner[O, T]) mutateFor(cl *call[O, T], base T) (err error, failed bool) {
	ended := false
	defer func() {
		if !ended { // mutate panicked or called runtime.Goexit
			cb.mu.Lock()
			if cl.peer.state == mutating {
				cl.peer.state = answered
				close(cl.peer.step)
			}
			cb.mu.Unlock()
		}
	}()
	next, err := cl.applyTo(base)
	ended = true

	cb.mu.Lock()
	defer cb.mu.Unlock()
	p := cl.peer
	if p.state != mutating {
		return nil, false // left behind: the next message says to run alone
	}
	close(p.step)
	if err != nil {
		p.state = answered
		cl.done(err)
		return err, true
	}
	p.state, p.result = applied, next
	return nil, false
}

// leave takes cl out of the combiner when its context ends. left is false
// when its outcome is already on its way.
func (cb *combiner[O, T]) leave(cl *call[O, T]) (err error, left bool) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	p := cl.peer
	switch p.state {
	case answered, alone:
		return nil, false
	case writing:
		// Its mutation is in a write under way, whose answer the others
		// wait for: it may be stored or not.
		p.state = answered
		err = cl.wrapped(fmt.Errorf("%w (%w)", ErrOutcomeUnknown, cl.ctx.Err()))
		cl.done(err)
		return err, true
	case mutating:
		close(p.step)
	case waiting:
		if i := slices.Index(cb.queue, cl); i >= 0 {
			cb.queue = slices.Delete(cb.queue, i, i+1)
		}
	}
	p.state = answered
	err = cl.ended()
	cl.done(err)
	return err, true
}
