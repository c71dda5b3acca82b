// Package conflict is the runtime behind the helpers that conflict-gen
// generates for Kubernetes API types.
//
// The API server rejects a write made from a stale read with 409 Conflict.
// The helpers in this package turn "read, mutate, write" into an operation
// that survives concurrent writers: the mutation is applied to a fresh copy
// of the object, written with optimistic locking (the copy's
// resourceVersion), and on a conflict the object is read again and the
// mutation applied again, under a jittered exponential backoff bounded by a
// time budget and the context's deadline.
//
// Generated code calls the generic functions [Update], [UpdateStatus],
// [CreateOrUpdate], [UpdateFrom], [UpdateStatusFrom], [Apply] and
// [ApplyStatus] with the kind's [Kind]; users normally call the typed
// wrappers (UpdateXWithRetry, UpdateXStatusWithRetry,
// CreateOrUpdateXWithRetry, UpdateXFrom, UpdateXStatusFrom, ApplyX,
// ApplyXStatus, next to MergeX, XNeedsReconcile, SetXObservedGeneration and
// SetXCondition) and tune them with [Option]s:
//
//	err := v1alpha1.UpdateNodeWithRetry(ctx, r.Client, node,
//		func(n *v1alpha1.Node) error {
//			n.Spec.DesiredPowerState = v1alpha1.PowerStateOn
//			return nil
//		},
//		conflict.WithReader(mgr.GetAPIReader()))
//
// Concurrent updates of one process to the same object are combined into
// one write (see [WithCombining]): under contention a process makes one
// request where separate retry loops would make one each and conflict with
// each other. Each caller's outcome is as if its update had run alone:
// mutate runs in the caller's goroutine (a panic in it reaches its caller
// only), a caller whose context ends returns at once, and each caller's
// options are its own.
//
// [Apply] and [ApplyStatus] write with server-side apply instead: they send
// exactly the fields their field manager owns after mutate, so writers of
// different fields never conflict; their rules are in apply_fields.go
// (which fields) and apply_queue.go (applies of one process to one object
// go in turn, combined).
//
// The rules are written once, in the retry engine (engine.go): "nothing to
// write" is only believed of an object the helper read or wrote itself; a
// change the write cannot store fails with a [*SubresourceError]; a write
// refused for its content fails only the caller whose change it refused;
// a write that may have been stored is never written again blind, and a
// caller that cannot know its outcome gets [ErrOutcomeUnknown]. When
// retries run out the error is a [*Error]; it unwraps to the last API
// error, so apierrors.IsConflict still reports true.
//
// A caller that retries after [ErrOutcomeUnknown] makes the call
// exactly-once with a request ID ([WithRequestID], or one a server put
// into the context with [ContextWithRequestID]), recorded in the object in
// the same write as the change. Package conflictgrpc carries request IDs
// through gRPC and maps this package's errors to gRPC status codes.
package conflict
