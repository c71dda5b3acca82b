package conflict

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
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
// obj names the object; on success it holds the server's answer. The first
// attempt starts from obj when obj carries a resourceVersion, without a
// read; otherwise, and after every conflict, the object is read (through
// [WithReader] when given). mutate runs once per attempt, in the caller's
// goroutine, on a fresh copy; an error from it is returned as it is and
// nothing is written. A mutate that changes nothing writes nothing; when
// the copy it ran on was not read from the server by this call (it was
// obj), the object is read and mutate run again before that is reported,
// so that a stale or already edited obj never hides a needed write. A
// change the write cannot store (status, for a kind with a status
// subresource) fails with a [*SubresourceError]. Errors other than
// conflicts are returned at once; when conflicts outlast the budget the
// error is an [*Error].
//
// Concurrent calls of one process for the same object, client and
// operation are combined into one write (see [WithCombining]).
func Update[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, obj T, mutate func(T) error, opts ...Option) error {
	return start(newCall[O, T](ctx, c, kind, OperationUpdate, obj, mutate, opts))
}

// UpdateStatus is [Update] through the status subresource: only the status
// is written, and one write carries every status field (conditions,
// observedGeneration and the rest) together. A mutate that changes
// anything else fails with a [*SubresourceError]. It is what the generated
// UpdateXStatusWithRetry calls.
func UpdateStatus[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, obj T, mutate func(T) error, opts ...Option) error {
	return start(newCall[O, T](ctx, c, kind, OperationUpdateStatus, obj, mutate, opts))
}

// start runs cl combined, unless combining is off or its client cannot be
// told apart from another.
func start[O any, T Object[O]](cl *call[O, T]) error {
	if err := cl.refused(); err != nil {
		return err
	}
	if cl.combining && combinable(cl.client, cl.reader) {
		return combine(cl)
	}
	return runAlone(cl)
}

// runAlone runs cl through the engine by itself, as with combining off
// (also when a combiner left it behind). It starts from the caller's
// object when that carries a resourceVersion.
func runAlone[O any, T Object[O]](cl *call[O, T]) error {
	if cl.obj.GetResourceVersion() != "" {
		return cl.runFrom(cl.obj, cl)
	}
	return cl.runFrom(nil, nil)
}

// runFrom runs cl alone through the engine from base (nil: a read), owner
// being the call whose own object base is, records its metrics and
// returns its outcome.
func (cl *call[O, T]) runFrom(base T, owner *call[O, T]) error {
	engine[O, T]{lead: cl}.run([]*call[O, T]{cl}, base, false, owner)
	cl.done(cl.err)
	return cl.err
}
