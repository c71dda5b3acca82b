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
// a missing resource type, an ownership conflict or a replaced object do
// not.
func TestDeletedTellsAMissingObjectFromOtherRefusals(t *testing.T) {
	key := client.ObjectKey{Namespace: "ns", Name: "w"}
	gr := schema.GroupResource{Group: "test.conflict-gen.io", Resource: "widgets"}
	cases := map[string]struct {
		err  error
		want bool
	}{
		"apply with the uid of a deleted object": {apierrors.NewConflict(gr, "w",
			errors.New("uid mismatch: the provided object specified uid 1, and no existing object was found")), true},
		"status of a missing object":         {apierrors.NewNotFound(gr, "w"), true},
		"another object's 404":               {apierrors.NewNotFound(gr, "other"), false},
		"resource type missing":              {apierrors.NewGenericServerResponse(404, "PATCH", gr, "", "", 0, false), false},
		"object replaced (uid precondition)": {apierrors.NewConflict(gr, "w", errors.New("Precondition failed: UID in precondition: 1, UID in object meta: 2")), false},
		"ownership conflict":                 {apierrors.NewApplyConflict(nil, "Apply failed with 1 conflict"), false},
	}
	for name, tc := range cases {
		if got := deleted(tc.err, key); got != tc.want {
			t.Errorf("%s: deleted(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
	err := objectDeleted(schema.GroupKind{Group: gr.Group, Kind: "Widget"}, key, "1")
	if !errors.Is(err, ErrObjectDeleted) || !apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		t.Errorf("objectDeleted = %v: want ErrObjectDeleted, NotFound, no conflict", err)
	}
}
