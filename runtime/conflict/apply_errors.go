package conflict

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// OwnershipError reports that an apply set fields that other field
// managers own: the API server refused it with 409 Conflict and stored
// nothing. It is not an optimistic-lock conflict, which a retry would
// resolve: the same apply would be refused again, so the helper never
// retries it. Take the fields with [WithForceOwnership], or leave them to
// their managers.
//
// It unwraps to the API error, so apierrors.IsConflict(err) is true.
type OwnershipError struct {
	// Kind is the group and kind of the object.
	Kind schema.GroupKind
	// Key names the object.
	Key client.ObjectKey
	// Operation is what the helper was doing.
	Operation Operation
	// Conflicts lists each contested field with its current managers, in
	// the API server's order.
	Conflicts []FieldOwnership
	// Err is the API server's 409 answer.
	Err error
}

// FieldOwnership is one field of an [OwnershipError].
type FieldOwnership struct {
	// Field is the field's path, as the API server writes it, such as
	// ".status.powerState" or ".status.conditions[type=\"Ready\"]".
	Field string
	// Managers are the field managers that own it.
	Managers []string
}

// Error implements error.
func (e *OwnershipError) Error() string {
	fields := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		fields[i] = fmt.Sprintf("%s (managed by %s)", c.Field, strings.Join(quoteAll(c.Managers), ", "))
	}
	return fmt.Sprintf("%s %s %s: fields owned by other field managers, nothing was written (WithForceOwnership takes them): %s",
		e.Operation, kindString(e.Kind), keyString(e.Key), strings.Join(fields, "; "))
}

// Unwrap returns the API error.
func (e *OwnershipError) Unwrap() error { return e.Err }

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// ErrNoFieldOwner is wrapped by the error Apply and ApplyStatus return,
// before any request, when no [WithFieldOwner] names the field manager:
// server-side apply records ownership by field manager, and the owned
// fields an apply carries are those of its manager.
var ErrNoFieldOwner = errors.New("server-side apply needs a field manager: pass conflict.WithFieldOwner")

// ErrNotOwned is wrapped by the error Apply and ApplyStatus return when
// mutate cleared fields that another field manager owns and this one does
// not: an apply removes only fields its manager owns (by leaving them
// out), so the change would be lost while the call reported success.
// Nothing is written. A cleared field that no manager owns (a default the
// API server set) is no change, and no error.
var ErrNotOwned = errors.New("mutate cleared fields this field manager does not own, which an apply cannot remove")

// ErrObjectDeleted is wrapped by the error Apply and ApplyStatus return
// when obj names an object (by its uid) that was deleted since it was
// read or answered, and not created again. The apply is not turned into a
// create: a controller whose child was deleted creates it again through
// an apply by name (an obj without resourceVersion and uid), after a read
// that shows it missing, never through a mutation of what it saw of the
// deleted object. The error is also a NotFound API error
// (apierrors.IsNotFound), and no conflict: retrying the same apply fails
// the same way.
var ErrObjectDeleted = errors.New("the object was deleted since obj was read, and is not created again through it (apply by name to create it)")

// deleted reports whether err, the API server's answer to an apply for
// key through op, says that the object no longer exists: 409 "uid
// mismatch" with no object found (an apply whose uid names a deleted
// object, which would otherwise have created it), or, for the status
// subresource, which creates nothing, 404 naming the object (not its
// namespace). An apply to the object itself is never taken for deleted on
// a 404: a call by name would read, find nothing, create, get the same
// 404 (a missing namespace) and start over without end.
func deleted(err error, key client.ObjectKey, op Operation) bool {
	if apierrors.IsConflict(err) {
		return strings.Contains(err.Error(), "no existing object was found")
	}
	var status apierrors.APIStatus
	if op != OperationApplyStatus || !apierrors.IsNotFound(err) || !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d != nil && d.Name == key.Name && d.Kind != "namespaces"
}

// objectDeleted is the error of an apply through an obj whose object was
// deleted: [ErrObjectDeleted], and a NotFound API error for the object,
// not the server's 409 (the apply would conflict again, and retrying it
// makes no sense).
func objectDeleted(gk schema.GroupKind, key client.ObjectKey, uid string) error {
	notFound := &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotFound,
		Reason:  metav1.StatusReasonNotFound,
		Details: &metav1.StatusDetails{Name: key.Name, Group: gk.Group, Kind: gk.Kind, UID: types.UID(uid)},
		Message: fmt.Sprintf("%s %s (uid %s) not found", kindString(gk), keyString(key), uid),
	}}
	return fmt.Errorf("%w: %w", ErrObjectDeleted, notFound)
}

// ownershipError is the [*OwnershipError] that err, an API server's
// answer, reports, or nil when it is no ownership conflict: a 409 whose
// causes name fields and their managers.
func ownershipError(err error, gk schema.GroupKind, key client.ObjectKey, op Operation) *OwnershipError {
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return nil
	}
	var conflicts []FieldOwnership
	index := map[string]int{}
	for _, cause := range status.Status().Details.Causes {
		if cause.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		i, ok := index[cause.Field]
		if !ok {
			i = len(conflicts)
			index[cause.Field] = i
			conflicts = append(conflicts, FieldOwnership{Field: cause.Field})
		}
		conflicts[i].Managers = append(conflicts[i].Managers, managerOf(cause.Message))
	}
	if len(conflicts) == 0 {
		return nil
	}
	return &OwnershipError{Kind: gk, Key: key, Operation: op, Conflicts: conflicts, Err: err}
}

// managerOf is the manager named in a cause's message, which the API
// server writes as `conflict with "name"`, followed for some managers by
// the subresource, operation or time; the whole message when it does not
// parse.
func managerOf(message string) string {
	rest, ok := strings.CutPrefix(message, "conflict with ")
	if !ok {
		return message
	}
	quoted, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return message
	}
	name, err := strconv.Unquote(quoted)
	if err != nil {
		return message
	}
	return name
}
