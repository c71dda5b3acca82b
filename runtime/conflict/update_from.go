package conflict

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Merge3 is a generated three-way merge (MergeX): base is what the caller
// read, current what the server has now, desired what the caller wants.
type Merge3[T any] func(base, current, desired T) (T, error)

// UpdateFrom writes modified, an edited copy of original, with original's
// resourceVersion. On a conflict it reads the object again, merges
// (original, fresh, modified) with merge and writes the result, under the
// same retry policy as Update. It is what the generated UpdateXFrom calls.
//
// On success modified holds the server's answer. A *MergeError (a field
// both sides changed under the strict strategy) stops at once and nothing
// is written. If modified does not differ from original nothing is
// written.
func UpdateFrom[O any, T Object[O]](ctx context.Context, c client.Client, kind schema.GroupKind, original, modified T, merge Merge3[T], opts ...Option) error {
	r := newRun[O, T](ctx, c, kind, OperationUpdate, original, opts)
	return r.mergeLoop(ctx, original, modified, merge, func(o T) error {
		return c.Update(ctx, o, r.updateOptions()...)
	})
}

// UpdateStatusFrom is UpdateFrom through the status subresource. It is
// what the generated UpdateXStatusFrom calls.
func UpdateStatusFrom[O any, T Object[O]](ctx context.Context, c client.Client, kind schema.GroupKind, original, modified T, merge Merge3[T], opts ...Option) error {
	r := newRun[O, T](ctx, c, kind, OperationUpdateStatus, original, opts)
	return r.mergeLoop(ctx, original, modified, merge, func(o T) error {
		return c.Status().Update(ctx, o, r.statusUpdateOptions()...)
	})
}

// mergeLoop runs the retry loop with a "mutation" that is the caller's
// object on the first attempt and a merge onto the fresh object after each
// conflict. The merge's base and desired move with every attempt: after a
// conflict on a merged write, the next merge is (the object merged onto,
// the fresh object, what was written).
func (r *run[O, T]) mergeLoop(ctx context.Context, original, modified T, merge Merge3[T], write func(T) error) error {
	if original.GetResourceVersion() == "" {
		return fmt.Errorf("%s %s %s: original must carry the resourceVersion it was read at", r.operation, kindString(r.kind), keyString(r.key))
	}
	if client.ObjectKeyFromObject(modified) != r.key {
		return r.invalid()
	}
	base, desired := original, modified
	first := true
	next := func(working T) error {
		if first {
			first = false
			rv := working.GetResourceVersion()
			*working = *modified.DeepCopy()
			working.SetResourceVersion(rv)
			return nil
		}
		merged, err := merge(base, working, desired)
		if err != nil {
			return err
		}
		base = working.DeepCopy()
		merged.SetResourceVersion(working.GetResourceVersion())
		desired = merged
		// The write decodes the server's answer into working: it must not
		// share memory with desired, the next merge's input.
		*working = *merged.DeepCopy()
		return nil
	}
	return r.loopFrom(ctx, modified, original, next, write)
}
