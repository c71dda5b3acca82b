package conflict

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// CreateOrUpdate creates the object named by obj with mutate applied if it
// does not exist, and otherwise behaves as [Update]. It is what the
// generated CreateOrUpdateXWithRetry calls.
//
// It works by name, as controllerutil.CreateOrUpdate does: an obj that
// still carries the resourceVersion and UID of an object since deleted is
// created again, and an object deleted and created again by someone else
// is updated (no [ErrObjectReplaced]). If another writer creates the
// object first, mutate is applied to theirs; a reader that does not see
// the object yet (an informer cache) is waited for within the budget. The
// result is Created or Updated only when that write was stored, None
// otherwise. A change the create would not store (status, for a kind with
// a status subresource) fails with a [*SubresourceError].
func CreateOrUpdate[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, obj T, mutate func(T) error, opts ...Option) (controllerutil.OperationResult, error) {
	cl := newCall(ctx, c, kind, OperationCreateOrUpdate, obj, mutate, opts)
	cl.anyUID = true
	result, err := cl.createOrUpdate()
	cl.done(err)
	return result, err
}

func (cl *call[O, T]) createOrUpdate() (controllerutil.OperationResult, error) {
	if err := cl.refused(); err != nil {
		return controllerutil.OperationResultNone, err
	}
	var base T
	if cl.obj.GetResourceVersion() != "" {
		base = cl.obj
	}
	e := engine[O, T]{lead: cl}
	for exists := 0; ; exists++ {
		cl.err = nil
		e.run([]*call[O, T]{cl}, base, false, nil)
		switch {
		case cl.err == nil && cl.stored:
			return controllerutil.OperationResultUpdated, nil
		case cl.err == nil:
			return controllerutil.OperationResultNone, nil
		case !apierrors.IsNotFound(cl.err):
			return controllerutil.OperationResultNone, cl.err
		}
		created, err := cl.applyTo(cl.forCreate())
		if err != nil {
			return controllerutil.OperationResultNone, err
		}
		cl.attempts++
		err = cl.create(cl.ctx, created)
		switch {
		case err == nil:
			*cl.obj = *created
			return controllerutil.OperationResultCreated, nil
		case !apierrors.IsAlreadyExists(err):
			return controllerutil.OperationResultNone, cl.failed(err, true, "")
		}
		// Someone else created it first, and the reader may not see it
		// yet: wait as after a conflict, then mutate theirs.
		cl.err = nil
		if len(e.backoff([]*call[O, T]{cl}, exists+1, "", err)) == 0 {
			return controllerutil.OperationResultNone, cl.err
		}
		base = nil
	}
}

// forCreate is a copy of the caller's object without what the API server
// sets and without the runtime's request log, so that an object carrying the metadata of one since deleted can
// be created again.
func (cl *call[O, T]) forCreate() T {
	obj := T(cl.obj.DeepCopy())
	obj.SetResourceVersion("")
	obj.SetUID("")
	obj.SetGeneration(0)
	obj.SetCreationTimestamp(metav1.Time{})
	obj.SetDeletionTimestamp(nil)
	obj.SetDeletionGracePeriodSeconds(nil)
	obj.SetManagedFields(nil)
	// The request log in the caller's copy is the deleted object's: the
	// new object starts without one, or a request it recorded would be
	// taken for one applied to the new object.
	// obj is a deep copy: its annotations are its own.
	delete(obj.GetAnnotations(), RequestLogAnnotation)
	return obj
}
