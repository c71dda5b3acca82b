package conflict

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Object is what the helpers work on: a pointer to a Kubernetes API type
// with a generated DeepCopy, such as *v1alpha1.Node.
type Object[O any] interface {
	*O
	client.Object
	DeepCopy() *O
}

// Update applies mutate to a copy of obj and writes it with Update,
// retrying on conflict. It is what the generated UpdateXWithRetry calls.
//
// Concurrent calls of one process for the same object, client and
// operation are combined into one write (see [WithCombining]): each
// caller's mutate is applied, in turn, to the copy that holds the
// mutations queued before it, and each caller's outcome is as if its
// update had run alone after those.
//
// obj names the object; on success it holds the server's answer. The first
// attempt starts from obj when obj carries a resourceVersion, without a
// read; otherwise, and after every conflict, the object is read (through
// [WithReader] when given). mutate runs once per attempt, on a fresh copy;
// an error from it is returned as it is and nothing is written. A mutate
// that changes nothing writes nothing. Errors other than conflicts are
// returned at once; when conflicts outlast the budget the error is an
// [*Error].
func Update[O any, T Object[O]](ctx context.Context, c client.Client, kind schema.GroupKind, obj T, mutate func(T) error, opts ...Option) error {
	r := newRun[O, T](ctx, c, kind, OperationUpdate, obj, opts)
	return r.update(ctx, obj, mutate, func(ctx context.Context, o T) error {
		return c.Update(ctx, o, r.updateOptions()...)
	})
}

// UpdateStatus is [Update] through the status subresource: only the status
// is written, and one write carries every status field (conditions,
// observedGeneration and the rest) together. It is what the generated
// UpdateXStatusWithRetry calls.
func UpdateStatus[O any, T Object[O]](ctx context.Context, c client.Client, kind schema.GroupKind, obj T, mutate func(T) error, opts ...Option) error {
	r := newRun[O, T](ctx, c, kind, OperationUpdateStatus, obj, opts)
	return r.update(ctx, obj, mutate, func(ctx context.Context, o T) error {
		return c.Status().Update(ctx, o, r.statusUpdateOptions()...)
	})
}

// update combines the call with the process's concurrent calls for the
// same object (see combine.go) unless combining is off.
func (r *run[O, T]) update(ctx context.Context, obj T, mutate func(T) error, write func(context.Context, T) error) error {
	if r.combining && combinable(r.client, r.reader) {
		return r.combine(ctx, obj, mutate, write)
	}
	return r.loop(ctx, obj, mutate, func(o T) error { return write(ctx, o) })
}

// CreateOrUpdate creates the object named by obj with mutate applied if it
// does not exist, and otherwise behaves as [Update]. If another writer
// creates the object first, mutate is applied to theirs. It is what the
// generated CreateOrUpdateXWithRetry calls.
func CreateOrUpdate[O any, T Object[O]](ctx context.Context, c client.Client, kind schema.GroupKind, obj T, mutate func(T) error, opts ...Option) (controllerutil.OperationResult, error) {
	r := newRun[O, T](ctx, c, kind, OperationCreateOrUpdate, obj, opts)
	if obj.GetResourceVersion() == "" {
		current := T(new(O))
		err := r.reader.Get(ctx, r.key, current)
		switch {
		case err == nil:
			return r.updateFrom(ctx, obj, current, mutate)
		case !apierrors.IsNotFound(err):
			return controllerutil.OperationResultNone, err
		}
		created := obj.DeepCopy()
		if err := mutate(created); err != nil {
			return controllerutil.OperationResultNone, err
		}
		if client.ObjectKeyFromObject(T(created)) != r.key {
			return controllerutil.OperationResultNone, r.invalid()
		}
		err = c.Create(ctx, T(created), r.createOptions()...)
		switch {
		case err == nil:
			*obj = *created
			return controllerutil.OperationResultCreated, nil
		case !apierrors.IsAlreadyExists(err):
			return controllerutil.OperationResultNone, err
		}
		// Someone else created it first: mutate theirs.
		if err := r.reader.Get(ctx, r.key, current); err != nil {
			return controllerutil.OperationResultNone, err
		}
		return r.updateFrom(ctx, obj, current, mutate)
	}
	return r.updateFrom(ctx, obj, obj, mutate)
}

// run is the state of one helper call.
type run[O any, T Object[O]] struct {
	options
	client    client.Client
	kind      schema.GroupKind
	operation Operation
	key       client.ObjectKey
	deadline  time.Time
	// ctxDeadline is set when the context's deadline, not the budget,
	// bounds the retries: giving up for lack of time is then the
	// context's deadline running out.
	ctxDeadline bool
	log         logr.Logger
}

func newRun[O any, T Object[O]](ctx context.Context, c client.Client, kind schema.GroupKind, op Operation, obj T, opts []Option) *run[O, T] {
	r := &run[O, T]{
		options:   newOptions(opts),
		client:    c,
		kind:      kind,
		operation: op,
		key:       client.ObjectKeyFromObject(obj),
	}
	if r.reader == nil {
		r.reader = c
	}
	r.deadline = time.Now().Add(r.budget)
	if d, ok := ctx.Deadline(); ok && d.Before(r.deadline) {
		r.deadline, r.ctxDeadline = d, true
	}
	if r.logger != nil {
		r.log = *r.logger
	} else {
		r.log = log.FromContext(ctx)
	}
	return r
}

func (r *run[O, T]) updateFrom(ctx context.Context, obj, start T, mutate func(T) error) (controllerutil.OperationResult, error) {
	var wrote bool
	err := r.loopFrom(ctx, obj, start, mutate, func(o T) error {
		wrote = true
		return r.client.Update(ctx, o, r.updateOptions()...)
	})
	if err != nil || !wrote {
		return controllerutil.OperationResultNone, err
	}
	return controllerutil.OperationResultUpdated, nil
}

// loop starts from obj if it carries a resourceVersion and from a read
// otherwise.
func (r *run[O, T]) loop(ctx context.Context, obj T, mutate func(T) error, write func(T) error) error {
	start := obj
	if obj.GetResourceVersion() == "" {
		start = T(new(O))
		if err := r.reader.Get(ctx, r.key, start); err != nil {
			return err
		}
	}
	return r.loopFrom(ctx, obj, start, mutate, write)
}

// loopFrom is the retry loop: mutate a copy of base, write it, and on a
// conflict wait, read again and start over.
func (r *run[O, T]) loopFrom(ctx context.Context, obj, base T, mutate func(T) error, write func(T) error) (err error) {
	uid := base.GetUID()
	attempts := 0
	var lastConflict error
	defer func() {
		r.metrics.done(r.kind, r.operation, attempts, isExhausted(err))
	}()
	for {
		working, err := r.apply(base, mutate)
		if err != nil {
			return err
		}
		if equality.Semantic.DeepEqual(base, working) {
			if base != obj {
				*obj = *base
			}
			return nil
		}
		attempts++
		err = write(working)
		if err == nil {
			*obj = *working
			return nil
		}
		if !apierrors.IsConflict(err) {
			return r.interrupted(ctx, attempts, base.GetResourceVersion(), lastConflict, err)
		}
		lastConflict = err
		r.metrics.conflict(r.kind, r.operation)
		if err := r.wait(ctx, attempts, base.GetResourceVersion(), err); err != nil {
			return err
		}
		fresh := T(new(O))
		if err := r.reader.Get(ctx, r.key, fresh); err != nil {
			return r.interrupted(ctx, attempts, base.GetResourceVersion(), lastConflict, err)
		}
		if uid != "" && fresh.GetUID() != uid {
			return r.wrapped(ErrObjectReplaced)
		}
		base = fresh
	}
}

// wait sleeps before the next attempt, or returns an [*Error] when the
// budget or the context does not leave room for one.
func (r *run[O, T]) wait(ctx context.Context, attempts int, rv string, last error) error {
	delay := r.backoff.Delay(attempts, rand.Float64())
	if time.Now().Add(delay).After(r.deadline) {
		// No time for another attempt: waiting for the context to end
		// would change nothing but the latency.
		return r.gaveUp(attempts, rv, last, outOfTime(ctx, r.ctxDeadline))
	}
	r.log.V(1).Info("conflict, retrying", "kind", kindString(r.kind), "object", r.key,
		"operation", r.operation, "attempt", attempts, "resourceVersion", rv, "delay", delay)
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return r.gaveUp(attempts, rv, last, ctx.Err())
	case <-timer.C:
		return nil
	}
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

// interrupted is the error of a request that failed after earlier
// conflicts: when the context ended it, the call gave up retrying, an
// [*Error] like the one the backoff gives; otherwise the request's error.
func (r *run[O, T]) interrupted(ctx context.Context, attempts int, rv string, lastConflict, err error) error {
	if lastConflict == nil || ctx.Err() == nil {
		return err
	}
	return r.gaveUp(attempts, rv, lastConflict, ctx.Err())
}

// gaveUp is the [*Error] of a call that stops retrying after attempts
// writes, the last of them at rv, with last its last conflict and cause
// why it stops (nil: the budget ran out).
func (r *run[O, T]) gaveUp(attempts int, rv string, last, cause error) *Error {
	return &Error{Kind: r.kind, Key: r.key, Operation: r.operation, Attempts: attempts,
		ResourceVersion: rv, Err: last, Cause: cause}
}

// wrapped names the operation, the kind and the object in err.
func (r *run[O, T]) wrapped(err error) error {
	return fmt.Errorf("%s %s %s: %w", r.operation, kindString(r.kind), keyString(r.key), err)
}

func (r *run[O, T]) invalid() error { return r.wrapped(ErrInvalidMutation) }

// apply runs mutate on a copy of base. The copy must still name the same
// object at the same resourceVersion: a mutate may not retarget a write.
func (r *run[O, T]) apply(base T, mutate func(T) error) (T, error) {
	working := T(base.DeepCopy())
	if err := mutate(working); err != nil {
		return nil, err
	}
	if client.ObjectKeyFromObject(working) != r.key || working.GetResourceVersion() != base.GetResourceVersion() {
		return nil, r.invalid()
	}
	return working, nil
}

func (r *run[O, T]) updateOptions() []client.UpdateOption {
	if r.fieldOwner == "" {
		return nil
	}
	return []client.UpdateOption{client.FieldOwner(r.fieldOwner)}
}

func (r *run[O, T]) statusUpdateOptions() []client.SubResourceUpdateOption {
	if r.fieldOwner == "" {
		return nil
	}
	return []client.SubResourceUpdateOption{client.FieldOwner(r.fieldOwner)}
}

func (r *run[O, T]) createOptions() []client.CreateOption {
	if r.fieldOwner == "" {
		return nil
	}
	return []client.CreateOption{client.FieldOwner(r.fieldOwner)}
}

func isExhausted(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Cause == nil
}
