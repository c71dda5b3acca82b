package conflict

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// This file holds the server-side apply entry points and one call's part
// of an apply: where it starts from, what its mutate changed, and the
// request. apply_fields.go holds the owned-fields rule, apply_queue.go
// the combining of concurrent applies, apply_migrate.go the migration of
// fields owned through Update.

// WithForceOwnership makes Apply and ApplyStatus take fields that other
// field managers own instead of failing with an [*OwnershipError].
func WithForceOwnership() Option {
	return func(o *options) { o.forceOwnership = true }
}

// Apply runs mutate on a copy of obj and applies, with server-side apply,
// exactly the fields this field manager ([WithFieldOwner], required: an
// error wrapping [ErrNoFieldOwner] before any request without it) owns
// after the change: the fields it owned before (its Apply entry in
// managedFields) plus the fields mutate set or changed, with their values
// after mutate, list elements with their keys. It never sends a field it
// does not own or mutate did not set, so no zero value of an unset field
// is sent. A field it owned that mutate cleared is left out, and the API
// server removes it unless another manager owns it too; clearing a field
// another manager owns fails with [ErrNotOwned]. Clearing a field nobody
// owns (a value the server set, such as a default) is no change, so a
// mutate may build a struct from scratch without the server's defaults.
// It is what the generated ApplyX calls; kind.Apply must be set.
//
// mutate runs in the caller's goroutine on a copy of the object: read
// first when obj has no resourceVersion (through [WithReader] when given;
// Apply creates the object when there is none); otherwise obj, or the
// object this process last read or got back from an apply of it when obj
// is no newer. No resourceVersion is sent: an apply through a stale obj
// succeeds. When what it would apply equals what that object holds, no
// request is made, provided the object was read or written by this
// process (obj holding the answer of the previous apply costs nothing); a
// caller's own obj is confirmed by a read first, as with [Update]. An
// apply that repeats this process's last successful apply of the object
// (same configuration, same owned fields, the object still holding that
// answer's values there) is skipped too: the server would change nothing,
// whatever it defaulted inside the fields applied.
//
// The first apply of a field manager that owns fields through Update
// (writes with the same [WithFieldOwner]) migrates them to its Apply entry
// (client-go's csaupgrade), so that clearing one later removes it.
//
// A field another manager owns makes the API server refuse the apply: the
// error is an [*OwnershipError], never retried; [WithForceOwnership]
// takes the fields. Other errors are returned as they are; one that may
// have been stored wraps [ErrOutcomeUnknown] (applying again is safe: an
// apply is idempotent). An obj whose object was deleted since, and not
// created again, is not created again: the error wraps [ErrObjectDeleted]
// and is a NotFound; an obj without uid (by name) creates it.
//
// Concurrent applies of one process to one object by one field manager
// are combined into one request (see [WithCombining]; with combining off
// they are sent one at a time): two applies of one manager sent at once
// would each drop the fields the other added. After an answer, the next
// request waits for the callers it answered to apply again, as the
// goroutines of a worker pool do at once: until as many calls are queued
// as were under way or queued when the answer came, for at most a
// quarter of the last request's time and 50ms.
func Apply[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, obj T, mutate func(T) error, opts ...Option) error {
	return runApply(newCall(ctx, c, kind, OperationApply, obj, mutate, opts))
}

// ApplyStatus is [Apply] through the status subresource: the owned fields
// are those of the manager's status entry, and a mutate that changes
// anything but status fails with a [*SubresourceError]. It is what the
// generated ApplyXStatus calls.
func ApplyStatus[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, obj T, mutate func(T) error, opts ...Option) error {
	return runApply(newCall(ctx, c, kind, OperationApplyStatus, obj, mutate, opts))
}

// applyCall is one caller's apply: its call, the object its mutate ran on
// and what mutate changed there.
type applyCall[O any, T Object[O]] struct {
	*call[O, T]
	base    T
	trusted bool
	delta   applyDelta
	// creating is set when the object does not exist: mutate ran on an
	// object holding nothing, every field it holds is the call's to send
	// (a zero value included), and the request is made even when mutate
	// set nothing, to create the object.
	creating bool
	// solo is set when the call must be sent alone: a combined request
	// with it was refused.
	solo bool
	// taken is set while a request carries the call's change.
	taken  bool
	answer chan applyAnswer[O, T]
}

// applyAnswer ends an applyCall: err, or success with obj (shared: the
// caller copies it).
type applyAnswer[O any, T Object[O]] struct {
	obj T
	err error
}

// runApply runs one Apply or ApplyStatus call and records its metrics.
func runApply[O any, T Object[O]](cl *call[O, T]) error {
	ac := &applyCall[O, T]{call: cl, answer: make(chan applyAnswer[O, T], 1)}
	st := stateFor(ac)
	err := ac.run(st)
	st.locked(func() { cl.done(err) })
	return err
}

// subresource is the managedFields subresource the call writes.
func (cl *call[O, T]) subresource() string {
	if cl.operation == OperationApplyStatus {
		return "status"
	}
	return ""
}

// run computes the call's change and has it applied.
func (ac *applyCall[O, T]) run(st *applyState[O, T]) error {
	if err := ac.refusedApply(); err != nil {
		return err
	}
	for confirm := false; ; confirm = true {
		base, trusted, err := ac.startFrom(st, confirm)
		if err != nil {
			return err
		}
		d, err := ac.deltaFrom(st, base)
		if err != nil {
			return err
		}
		if d.empty() && trusted && !ac.creating {
			*ac.obj = *base.DeepCopy()
			return nil
		}
		if !d.empty() || ac.creating {
			ac.base, ac.trusted, ac.delta = base, trusted, d
			if err := st.submit(ac); !errors.Is(err, errStartOver) {
				return err
			}
			continue // by name, on an object replaced since: read it
		}
		// Nothing changed on the caller's own copy, which may be stale
		// or edited: confirm against a read.
	}
}

// replaced reports whether err is the API server's refusal of an apply
// whose uid is not the object's (it was deleted and created again): 422
// with metadata.uid "field is immutable", or a 409 precondition failure.
func replaced(err error) bool {
	if apierrors.IsConflict(err) && strings.Contains(err.Error(), "UID in precondition") {
		return true
	}
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, cause := range status.Status().Details.Causes {
		if cause.Field == "metadata.uid" {
			return true
		}
	}
	return false
}

// refusedApply is why the call cannot start, or nil.
func (ac *applyCall[O, T]) refusedApply() error {
	switch {
	case ac.ctx.Err() != nil:
		return ac.wrapped(ac.ctx.Err())
	case ac.fieldOwner == "":
		return ac.wrapped(ErrNoFieldOwner)
	case ac.kind.Apply == nil:
		return ac.wrapped(errors.New("the kind has no apply schema (conflict.Kind.Apply): regenerate its helpers"))
	}
	if _, err := ac.kind.Apply.resolve(); err != nil {
		return ac.wrapped(err)
	}
	switch {
	case ac.hasRequestID:
		return ac.wrapped(fmt.Errorf("%w: an apply is idempotent and records none", ErrInvalidRequestID))
	}
	return nil
}

// startFrom is the object mutate runs on. For an obj with a
// resourceVersion: the newest object this process read or got back from
// an apply of it when obj is no newer (trusted unless the process sent
// another write to the object since: object_writes.go), else obj (not
// trusted).
// For an obj without one, or when confirm is set: a read. An object that
// does not exist starts empty for Apply, which creates it.
func (ac *applyCall[O, T]) startFrom(st *applyState[O, T], confirm bool) (T, bool, error) {
	ac.creating = false
	if rv := ac.obj.GetResourceVersion(); rv != "" && !confirm {
		last, current := st.newest()
		if last != nil && last.GetUID() == ac.obj.GetUID() && !newer(ac.obj, last) {
			return last, current, nil
		}
		return ac.obj.DeepCopy(), false, nil
	}
	seq := ac.writesSoFar()
	fresh, err := ac.read(ac.ctx)
	if uid := ac.obj.GetUID(); uid != "" && apierrors.IsNotFound(err) {
		// The caller's obj names an incarnation deleted since (a no-op
		// on it confirmed by a read): it is not created again.
		return nil, false, ac.wrapped(objectDeleted(ac.kind.GroupKind, ac.key, string(uid)))
	}
	if apierrors.IsNotFound(err) && ac.operation == OperationApply {
		empty := T(new(O))
		empty.SetName(ac.key.Name)
		empty.SetNamespace(ac.key.Namespace)
		ac.creating = true
		return empty, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	if uid := ac.obj.GetUID(); uid != "" && fresh.GetUID() != uid {
		// The caller's obj names an incarnation deleted since: its
		// mutation is not for the new object.
		return nil, false, ac.wrapped(ErrObjectReplaced)
	}
	st.offer(fresh, seq)
	return fresh, true, nil
}

// deltaFrom runs mutate on a copy of base and returns what it changed.
func (ac *applyCall[O, T]) deltaFrom(st *applyState[O, T], base T) (applyDelta, error) {
	working := T(base.DeepCopy())
	if err := ac.mutate(working); err != nil {
		return applyDelta{}, err
	}
	if client.ObjectKeyFromObject(working) != ac.key || working.GetResourceVersion() != base.GetResourceVersion() {
		return applyDelta{}, ac.wrapped(ErrInvalidMutation)
	}
	if fields := ac.kind.unwritable(ac.operation, base, working); len(fields) > 0 {
		use := "Apply" + ac.kind.Kind + "Status"
		if ac.operation == OperationApplyStatus {
			use = "Apply" + ac.kind.Kind
		}
		return applyDelta{}, &SubresourceError{Kind: ac.kind.GroupKind, Key: ac.key, Operation: ac.operation, Fields: fields, Use: use}
	}
	before, err := st.typedValue(ac.kind.Apply, base)
	if ac.creating {
		// An object that does not exist holds nothing, not the Go zero
		// values of the empty object mutate ran on: a required field
		// mutate leaves at 0 or "" is sent, as Create would send it.
		before, err = ac.kind.Apply.nothing()
	}
	if err != nil {
		return applyDelta{}, ac.wrapped(err)
	}
	after, err := ac.kind.Apply.typedValue(working)
	if err != nil {
		return applyDelta{}, ac.wrapped(err)
	}
	d, err := delta(before, after)
	if err != nil {
		return applyDelta{}, ac.wrapped(err)
	}
	if ac.creating && ac.kind.StatusSubresource {
		// The status of the empty object (Go zero values) is not the
		// call's: the API server drops it from an apply to the object,
		// and sent, it would make every later apply of the same fields
		// look different from this one.
		d = d.without(statusFields)
	}
	if !d.removed.Empty() {
		mine, err := ownedFields(base.GetManagedFields(), ac.fieldOwner, ac.subresource(), true)
		if err != nil {
			return applyDelta{}, ac.wrapped(err)
		}
		others, err := othersFields(base.GetManagedFields(), ac.fieldOwner, ac.subresource())
		if err != nil {
			return applyDelta{}, ac.wrapped(err)
		}
		var paths []string
		if d.removed, paths = splitRemoved(d.removed, mine, others); len(paths) > 0 {
			return applyDelta{}, ac.wrapped(fmt.Errorf("%w: %s (field manager %q)", ErrNotOwned, strings.Join(paths, ", "), ac.fieldOwner))
		}
	}
	return d, nil
}

// errStartOver answers a call made by name whose apply met an object
// replaced since the one it started from: it starts over from a read.
var errStartOver = errors.New("the object was replaced: start over from a read")

// body is the apply request's body: config with the object's apiVersion,
// kind, name and namespace, and uid when known: the API server then
// refuses the apply if the object was deleted and created again since
// (a mutation meant for the old object is not applied to the new one).
func (cl *call[O, T]) body(config map[string]any, uid types.UID) ([]byte, error) {
	gvk, err := apiutil.GVKForObject(T(new(O)), cl.client.Scheme())
	if err != nil {
		return nil, err
	}
	if config == nil {
		config = map[string]any{}
	}
	config = pruneNulls(config)
	config["apiVersion"], config["kind"] = gvk.GroupVersion().String(), gvk.Kind
	meta, _ := config["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["name"] = cl.key.Name
	if uid != "" {
		meta["uid"] = string(uid)
	}
	if cl.key.Namespace != "" {
		meta["namespace"] = cl.key.Namespace
	}
	config["metadata"] = meta
	return json.Marshal(config)
}

// sendApply sends body as an apply patch: a raw one, since the user's
// types have no apply configurations (client.Client.Apply needs them) and
// the body is already the exact set of fields to apply. The answer is the
// object as stored, and the count of writes to the object that this
// write made (see object_writes.go).
func (cl *call[O, T]) sendApply(ctx context.Context, body []byte) (T, uint64, error) {
	seq := cl.writing()
	target := T(new(O))
	target.SetName(cl.key.Name)
	target.SetNamespace(cl.key.Namespace)
	patch := client.RawPatch(types.ApplyPatchType, body)
	var err error
	if cl.operation == OperationApplyStatus {
		opts := []client.SubResourcePatchOption{client.FieldOwner(cl.fieldOwner)}
		if cl.forceOwnership {
			opts = append(opts, client.ForceOwnership)
		}
		err = cl.client.Status().Patch(ctx, target, patch, opts...)
	} else {
		opts := []client.PatchOption{client.FieldOwner(cl.fieldOwner)}
		if cl.forceOwnership {
			opts = append(opts, client.ForceOwnership)
		}
		err = cl.client.Patch(ctx, target, patch, opts...)
	}
	if err != nil {
		return nil, seq, err
	}
	return target, seq, nil
}
