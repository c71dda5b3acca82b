package conflict

import (
	"errors"
	"fmt"
	"strings"

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
	OperationApply          Operation = "apply"
	OperationApplyStatus    Operation = "apply_status"
)

// throughStatus reports whether op writes through the status subresource.
func (op Operation) throughStatus() bool {
	return op == OperationUpdateStatus || op == OperationApplyStatus
}

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
	// Err is the last 409 answer: a conflict (for CreateOrUpdate, also
	// AlreadyExists, when the object another writer created could not be
	// read in time).
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

// ErrOutcomeUnknown is wrapped by the error a helper returns when its
// write may have been stored although the caller cannot know it: the
// caller's context ended while the write was under way, or the write
// failed in a way that does not say whether the API server stored it (a
// 5xx answer, a timeout, a lost connection). The helper never writes such
// a mutation again by itself; the caller decides (re-read, or retry with a
// request ID).
var ErrOutcomeUnknown = errors.New("outcome unknown: the write may have been stored")

// SubresourceError reports that mutate changed a part of the object that
// the helper's write cannot change, so that the API server would have
// dropped it while the call reported success: status through the main
// resource of a kind with a status subresource, or spec and metadata
// through /status. Nothing is written.
type SubresourceError struct {
	// Kind is the group and kind of the object.
	Kind schema.GroupKind
	// Key names the object.
	Key client.ObjectKey
	// Operation is what the helper was doing.
	Operation Operation
	// Fields are the JSON paths of the changed fields the write would
	// drop, such as "status", "spec" or "metadata.labels".
	Fields []string
	// Use names the generated helper that writes them.
	Use string
}

// Error implements error.
func (e *SubresourceError) Error() string {
	where := "the main resource"
	if e.Operation.throughStatus() {
		where = "the status subresource"
	}
	return fmt.Sprintf("%s %s %s: %s changed, but a write through %s does not store it; nothing was written: use %s",
		e.Operation, kindString(e.Kind), keyString(e.Key), strings.Join(e.Fields, ", "), where, e.Use)
}

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
