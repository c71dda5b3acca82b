package conflictgrpc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// API errors wrapped any number of times keep their code and details;
// a context error wrapping an API error is the context's.
func TestStatusOfWrappedAPIErrors(t *testing.T) {
	throttled := apierrors.NewTooManyRequests("slow down", 4)
	for _, tc := range []struct {
		name  string
		err   error
		code  codes.Code
		retry time.Duration
	}{
		{"429 wrapped twice", fmt.Errorf("handler: %w", wrapped(throttled)), codes.ResourceExhausted, 4 * time.Second},
		{"409 wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", conflict409)), codes.Aborted, conflictgrpc.AbortedRetryDelay},
		{"403 joined with nothing else", errors.Join(apierrors.NewForbidden(groupsGR, "g1", errors.New("webhook denied"))), codes.PermissionDenied, 0},
		{"deadline around 429", fmt.Errorf("%w: %w", context.DeadlineExceeded, throttled), codes.DeadlineExceeded, 0},
		{"cancelled around 500", fmt.Errorf("%w: %w", context.Canceled, apierrors.NewInternalError(errors.New("etcd"))), codes.Canceled, 0},
		{"conflict.Error after 429s", &conflict.Error{Kind: groupGK, Err: conflict409, Cause: throttled}, codes.Aborted, conflictgrpc.AbortedRetryDelay},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := conflictgrpc.Status(tc.err)
			if s.Code() != tc.code || s.Message() != tc.err.Error() {
				t.Errorf("%v %q, want %v and the error's text", s.Code(), s.Message(), tc.code)
			}
			var got time.Duration
			for _, d := range s.Details() {
				if ri, ok := d.(*errdetails.RetryInfo); ok {
					got = ri.GetRetryDelay().AsDuration()
				}
			}
			if got != tc.retry {
				t.Errorf("RetryInfo %v, want %v", got, tc.retry)
			}
		})
	}
}
