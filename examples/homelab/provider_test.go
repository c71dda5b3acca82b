package homelab

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

func TestStatusErrorCodes(t *testing.T) {
	gr := schema.GroupResource{Group: "infra.homelab-autoscaler.dev", Resource: "groups"}
	gk := schema.GroupKind{Group: gr.Group, Kind: "Group"}
	conflictErr := apierrors.NewConflict(gr, "g1", errors.New("modified"))
	for _, tc := range []struct {
		name string
		err  error
		want codes.Code
	}{
		{"retries exhausted", &conflict.Error{Kind: gk, Err: conflictErr}, codes.Aborted},
		{"object replaced", fmt.Errorf("update: %w", conflict.ErrObjectReplaced), codes.Aborted},
		{"deadline while retrying", &conflict.Error{Kind: gk, Err: conflictErr, Cause: context.DeadlineExceeded}, codes.DeadlineExceeded},
		{"cancelled while retrying", &conflict.Error{Kind: gk, Err: conflictErr, Cause: context.Canceled}, codes.Canceled},
		{"unresolvable merge", &conflict.MergeError{Conflicts: []conflict.FieldConflict{{Path: "spec.groupRef"}}}, codes.FailedPrecondition},
		{"size too large", errSizeTooLarge, codes.FailedPrecondition},
		{"not found", apierrors.NewNotFound(gr, "g1"), codes.NotFound},
		{"invalid", apierrors.NewInvalid(gk, "g1", field.ErrorList{field.Invalid(field.NewPath("spec", "targetSize"), 5000, "too big")}), codes.InvalidArgument},
		{"forbidden", apierrors.NewForbidden(gr, "g1", errors.New("no")), codes.PermissionDenied},
		{"throttled", apierrors.NewTooManyRequests("slow down", 1), codes.ResourceExhausted},
		{"unavailable", apierrors.NewServiceUnavailable("restarting"), codes.Unavailable},
		{"anything else", errors.New("boom"), codes.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, status.Code(StatusError(tc.err)))
		})
	}
	assert.NoError(t, StatusError(nil))
}
