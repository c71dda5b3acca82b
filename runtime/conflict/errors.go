package conflict

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Operation names what a helper was doing; it appears in errors, logs and
// metric labels.
type Operation string

// The operations of the generated helpers.
const (
	OperationUpdate         Operation = "update"
	OperationUpdateStatus   Operation = "update_status"
	OperationCreateOrUpdate Operation = "create_or_update"
)

// Error reports that a helper gave up: its conflicts outlasted the time
// budget, or its context ended while it was waiting to retry.
//
// It unwraps to the last API error (so apierrors.IsConflict(err) is true)
// and, when the context ended, to the context's error as well.
type Error struct {
	// Kind is the group and kind of the object.
	Kind schema.GroupKind
	// Key names the object.
	Key client.ObjectKey
	// Operation is what the helper was doing.
	Operation Operation
	// Attempts counts the writes that were tried.
	Attempts int
	// ResourceVersion is the version of the object the last attempt wrote
	// against.
	ResourceVersion string
	// Err is the last API error, a conflict.
	Err error
	// Cause is the context's error when the context ended, or when its
	// deadline left no time for another attempt; nil when the budget ran
	// out.
	Cause error
}

// Error implements error.
func (e *Error) Error() string {
	why := "retries exhausted"
	if e.Cause != nil {
		why = e.Cause.Error()
	}
	return fmt.Sprintf("%s %s %s: %s after %d attempts (last resourceVersion %q): %v",
		e.Operation, kindString(e.Kind), keyString(e.Key), why, e.Attempts, e.ResourceVersion, e.Err)
}

// Unwrap returns the last API error and, if the context ended, its error.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// ErrObjectReplaced is wrapped by the error a helper returns when the
// object was deleted and created again (its UID changed) between two
// attempts: the mutation was meant for the old object, so nothing is
// written into the new one.
var ErrObjectReplaced = errors.New("object was deleted and recreated (its UID changed)")

// ErrInvalidMutation is wrapped by the error a helper returns when mutate
// changed what identifies the write (name, namespace or resourceVersion);
// nothing is written.
var ErrInvalidMutation = errors.New("mutate must not change the object's name, namespace or resourceVersion")

func kindString(gk schema.GroupKind) string {
	if gk.Group == "" {
		return gk.Kind
	}
	return gk.Kind + "." + gk.Group
}

// keyString is namespace/name, or the name alone for cluster-scoped
// objects.
func keyString(key client.ObjectKey) string {
	if key.Namespace == "" {
		return key.Name
	}
	return key.String()
}
