package conflict

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// call is one caller's helper call: the object it names, its mutation,
// its own options and time limits, and how far it got. The retry engine
// works on calls, alone or several combined into one write.
type call[O any, T Object[O]] struct {
	options
	ctx       context.Context
	client    client.Client
	kind      Kind
	operation Operation
	// via is the suffix of the generated helper family the call came
	// from, "WithRetry" or "From", for the advice in a SubresourceError.
	via    string
	key    client.ObjectKey
	obj    T
	mutate func(T) error
	// deadline is when the call stops retrying: the budget's end, or the
	// context's deadline when earlier (then ctxDeadline is set, and
	// giving up for lack of time is the context's deadline running out).
	deadline    time.Time
	ctxDeadline bool
	log         logr.Logger
	// uid is the UID of the object the call is for: obj's, or the first
	// one read. A later read with another UID means the object was
	// replaced. anyUID turns the check off (CreateOrUpdate works by name).
	uid    types.UID
	anyUID bool
	// attempts counts the writes tried with this call's mutation in them;
	// lastConflict is the last 409 they got, lastRV the resourceVersion
	// that write was made at.
	attempts     int
	lastConflict error
	lastRV       string
	// stored is set once a write with the call's mutation in it succeeded.
	stored bool
	// err is the call's outcome once answered, when it runs alone.
	err error
	// peer is the call's place in a combiner; nil when it runs alone.
	peer *peer[O, T]
}

func newCall[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, op Operation, obj T, mutate func(T) error, opts []Option) *call[O, T] {
	cl := &call[O, T]{
		options:   newOptions(opts),
		ctx:       ctx,
		client:    c,
		kind:      kind,
		operation: op,
		via:       "WithRetry",
		key:       client.ObjectKeyFromObject(obj),
		obj:       obj,
		mutate:    mutate,
		uid:       obj.GetUID(),
	}
	cl.takeRequestID(ctx)
	if cl.reader == nil {
		cl.reader = c
	}
	cl.deadline = time.Now().Add(cl.budget)
	if d, ok := ctx.Deadline(); ok && d.Before(cl.deadline) {
		cl.deadline, cl.ctxDeadline = d, true
	}
	if cl.logger != nil {
		cl.log = *cl.logger
	} else {
		cl.log = log.FromContext(ctx)
	}
	return cl
}

// write stores obj through the call's operation: the status subresource
// for UpdateStatus, the main resource otherwise.
func (cl *call[O, T]) write(ctx context.Context, obj T) error {
	cl.writing()
	if cl.operation == OperationUpdateStatus {
		var opts []client.SubResourceUpdateOption
		if cl.fieldOwner != "" {
			opts = append(opts, client.FieldOwner(cl.fieldOwner))
		}
		return cl.client.Status().Update(ctx, obj, opts...)
	}
	var opts []client.UpdateOption
	if cl.fieldOwner != "" {
		opts = append(opts, client.FieldOwner(cl.fieldOwner))
	}
	return cl.client.Update(ctx, obj, opts...)
}

// create creates obj.
func (cl *call[O, T]) create(ctx context.Context, obj T) error {
	cl.writing()
	var opts []client.CreateOption
	if cl.fieldOwner != "" {
		opts = append(opts, client.FieldOwner(cl.fieldOwner))
	}
	return cl.client.Create(ctx, obj, opts...)
}

// read gets the object from the call's reader.
func (cl *call[O, T]) read(ctx context.Context) (T, error) {
	fresh := T(new(O))
	if err := cl.reader.Get(ctx, cl.key, fresh); err != nil {
		return nil, err
	}
	return fresh, nil
}

// applyTo runs the call's mutate on a copy of base and checks the result:
// the copy must still name the same object at the same resourceVersion (a
// mutate may not retarget a write), and may change only what the call's
// write stores.
//
// With a request ID, a base that records it means the request was applied
// before: the result is an unchanged copy and mutate does not run.
// Otherwise the ID is recorded in the result when mutate changed it. With
// or without one, the result keeps base's request log, whatever mutate did
// to it.
func (cl *call[O, T]) applyTo(base T) (T, error) {
	if cl.requestID != "" && cl.requestLogged(base) {
		return T(base.DeepCopy()), nil
	}
	working := T(base.DeepCopy())
	if err := cl.mutate(working); err != nil {
		return nil, err
	}
	if client.ObjectKeyFromObject(working) != cl.key || working.GetResourceVersion() != base.GetResourceVersion() {
		return nil, cl.wrapped(ErrInvalidMutation)
	}
	cl.keepRequestLog(base, working)
	if fields := cl.kind.unwritable(cl.operation, base, working); len(fields) > 0 {
		use := "Update" + cl.kind.Kind + "Status" + cl.via
		if cl.operation == OperationUpdateStatus {
			use = "Update" + cl.kind.Kind + cl.via
		}
		return nil, &SubresourceError{Kind: cl.kind.GroupKind, Key: cl.key, Operation: cl.operation, Fields: fields, Use: use}
	}
	if cl.requestID != "" && !equality.Semantic.DeepEqual(base, working) {
		cl.recordRequest(working, time.Now())
	}
	return working, nil
}

// refused is why the call cannot start, or nil: its context has ended, or
// its request ID is malformed or cannot be kept by its write.
func (cl *call[O, T]) refused() error {
	if err := cl.ctx.Err(); err != nil {
		return cl.wrapped(err)
	}
	if !cl.hasRequestID {
		return nil
	}
	if !cl.derivedRequestID {
		if err := checkRequestID(cl.requestID); err != nil {
			return cl.wrapped(err)
		}
	}
	if err := cl.cannotKeepRequestID(); err != nil {
		return cl.wrapped(err)
	}
	return nil
}

// sameObject reports whether obj is the object the call is for: its UID
// is the call's, or the call has none yet (and takes obj's when obj was
// read from the server or written by the helper: trusted).
func (cl *call[O, T]) sameObject(obj T, trusted bool) bool {
	switch {
	case cl.anyUID:
		return true
	case cl.uid == "":
		if trusted {
			cl.uid = obj.GetUID()
		}
		return true
	}
	return cl.uid == obj.GetUID()
}

// gaveUp is the [*Error] of a call that stops retrying, its last write
// made at rv, with cause why it stops (nil: the budget ran out).
func (cl *call[O, T]) gaveUp(rv string, cause error) *Error {
	return &Error{Kind: cl.kind.GroupKind, Key: cl.key, Operation: cl.operation, Attempts: cl.attempts,
		ResourceVersion: rv, Err: cl.lastConflict, Cause: cause}
}

// ended is the error of a call whose context ended before its mutation
// was written: an [*Error] if it had met conflicts (it gave up retrying),
// the context's error otherwise.
func (cl *call[O, T]) ended() error {
	if cl.lastConflict != nil {
		return cl.gaveUp(cl.lastRV, cl.ctx.Err())
	}
	return cl.wrapped(cl.ctx.Err())
}

// failed is the error of a call whose request failed with err: the call
// gave up if its context ended after conflicts; a write that may have been
// stored says its outcome is unknown, with the context's error when it
// ended.
func (cl *call[O, T]) failed(err error, wrote bool, rv string) error {
	unknown := wrote && mayHaveStored(err)
	cause := cl.ctx.Err()
	switch {
	case unknown && cause != nil:
		return cl.wrapped(fmt.Errorf("%w (%w): %w", ErrOutcomeUnknown, cause, err))
	case unknown:
		return cl.wrapped(fmt.Errorf("%w: %w", ErrOutcomeUnknown, err))
	case cause != nil && cl.lastConflict != nil:
		return cl.gaveUp(rv, cause)
	}
	return err
}

// wrapped names the operation, the kind and the object in err.
func (cl *call[O, T]) wrapped(err error) error {
	return fmt.Errorf("%s %s %s: %w", cl.operation, kindString(cl.kind.GroupKind), keyString(cl.key), err)
}

// done records the call's outcome in its metrics.
func (cl *call[O, T]) done(err error) {
	cl.metrics.done(cl.kind.GroupKind, cl.operation, cl.attempts, isExhausted(err))
}

func isExhausted(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Cause == nil
}
