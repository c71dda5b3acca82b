package conflict

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestDeletedTellsAMissingObjectFromOtherRefusals: only the answers that
// say the applied object is gone make an apply's error ErrObjectDeleted;
// a missing resource type or namespace, an ownership conflict, a replaced
// object or a 404 of an apply to the object (which creates it) do not.
func TestDeletedTellsAMissingObjectFromOtherRefusals(t *testing.T) {
	key := client.ObjectKey{Namespace: "ns", Name: "w"}
	gr := schema.GroupResource{Group: "test.conflict-gen.io", Resource: "widgets"}
	cases := map[string]struct {
		err  error
		op   Operation
		want bool
	}{
		"apply with the uid of a deleted object": {apierrors.NewConflict(gr, "w",
			errors.New("uid mismatch: the provided object specified uid 1, and no existing object was found")), OperationApply, true},
		"status of a missing object":         {apierrors.NewNotFound(gr, "w"), OperationApplyStatus, true},
		"404 of an apply to the object":      {apierrors.NewNotFound(gr, "w"), OperationApply, false},
		"namespace of the same name missing": {apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "w"), OperationApplyStatus, false},
		"another object's 404":               {apierrors.NewNotFound(gr, "other"), OperationApplyStatus, false},
		"resource type missing":              {apierrors.NewGenericServerResponse(404, "PATCH", gr, "", "", 0, false), OperationApplyStatus, false},
		"object replaced (uid precondition)": {apierrors.NewConflict(gr, "w", errors.New("Precondition failed: UID in precondition: 1, UID in object meta: 2")), OperationApply, false},
		"ownership conflict":                 {apierrors.NewApplyConflict(nil, "Apply failed with 1 conflict"), OperationApply, false},
	}
	for name, tc := range cases {
		if got := deleted(tc.err, key, tc.op); got != tc.want {
			t.Errorf("%s: deleted(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
	err := objectDeleted(schema.GroupKind{Group: gr.Group, Kind: "Widget"}, key, "1")
	if !errors.Is(err, ErrObjectDeleted) || !apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		t.Errorf("objectDeleted = %v: want ErrObjectDeleted, NotFound, no conflict", err)
	}
}
