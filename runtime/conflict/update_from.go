package conflict

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
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
// is written. If modified does not differ from original there is nothing
// to write: nothing is read or written, and modified is left as it is.
func UpdateFrom[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, original, modified T, merge Merge3[T], opts ...Option) error {
	return updateFrom(ctx, c, kind, OperationUpdate, original, modified, merge, opts)
}

// UpdateStatusFrom is UpdateFrom through the status subresource. It is
// what the generated UpdateXStatusFrom calls.
func UpdateStatusFrom[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, original, modified T, merge Merge3[T], opts ...Option) error {
	return updateFrom(ctx, c, kind, OperationUpdateStatus, original, modified, merge, opts)
}

// updateFrom runs the retry loop with a "mutation" that is the caller's
// object on the first attempt and a merge onto the fresh object after each
// conflict. The merge's base and desired move with every attempt: after a
// conflict on a merged write, the next merge is (the object merged onto,
// the fresh object, what was written).
func updateFrom[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, op Operation, original, modified T, merge Merge3[T], opts []Option) error {
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
	cl := newCall(ctx, c, kind, op, original, next, opts)
	cl.obj, cl.via = modified, "From"
	switch {
	case original.GetResourceVersion() == "":
		return cl.wrapped(fmt.Errorf("original must carry the resourceVersion it was read at"))
	case client.ObjectKeyFromObject(modified) != cl.key:
		return cl.wrapped(ErrInvalidMutation)
	case equality.Semantic.DeepEqual(original, modified):
		return nil
	}
	if err := cl.refused(); err != nil {
		return err
	}
	return cl.runFrom(original, nil)
}
