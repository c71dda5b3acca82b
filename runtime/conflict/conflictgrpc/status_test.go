package conflictgrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"syscall"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

var (
	groupsGR    = schema.GroupResource{Group: "infra.example.dev", Resource: "groups"}
	groupGK     = schema.GroupKind{Group: "infra.example.dev", Kind: "Group"}
	conflict409 = apierrors.NewConflict(groupsGR, "g1", errors.New("the object has been modified"))
)

// wrapped is an error as the helpers return it: the operation, kind and
// object in front of the cause.
func wrapped(err error) error { return fmt.Errorf("update Group.infra.example.dev g1: %w", err) }

func retryInfo(d time.Duration) *errdetails.RetryInfo {
	return &errdetails.RetryInfo{RetryDelay: durationpb.New(d)}
}

// Every error the runtime returns maps to its code, with its details.
func TestStatusCodeByCode(t *testing.T) {
	invalid := apierrors.NewInvalid(groupGK, "g1", field.ErrorList{
		field.Invalid(field.NewPath("spec", "targetSize"), 5000, "must be at most 1000"),
		field.Required(field.NewPath("spec", "maxSize"), "")})
	outcome := wrapped(fmt.Errorf("%w: %w", conflict.ErrOutcomeUnknown, &url.Error{Op: "Put", URL: "https://api", Err: io.EOF}))
	for _, tc := range []struct {
		name    string
		err     error
		code    codes.Code
		details []proto.Message
	}{
		{"retries exhausted", &conflict.Error{Kind: groupGK, Key: client.ObjectKey{Name: "g1"}, Err: conflict409}, codes.Aborted,
			[]proto.Message{retryInfo(conflictgrpc.AbortedRetryDelay)}},
		{"object replaced", wrapped(conflict.ErrObjectReplaced), codes.Aborted,
			[]proto.Message{retryInfo(conflictgrpc.AbortedRetryDelay)}},
		{"bare conflict", conflict409, codes.Aborted, []proto.Message{retryInfo(conflictgrpc.AbortedRetryDelay)}},
		{"deadline while retrying", &conflict.Error{Kind: groupGK, Err: conflict409, Cause: context.DeadlineExceeded}, codes.DeadlineExceeded, nil},
		{"deadline", wrapped(context.DeadlineExceeded), codes.DeadlineExceeded, nil},
		{"cancelled while retrying", &conflict.Error{Kind: groupGK, Err: conflict409, Cause: context.Canceled}, codes.Canceled, nil},
		{"cancelled", wrapped(context.Canceled), codes.Canceled, nil},
		{"merge conflict", &conflict.MergeError{Conflicts: []conflict.FieldConflict{
			{Path: "spec.groupRef", Base: "a", Current: "b", Desired: "c"},
			{Path: "status.conditions[type=Ready].status", Base: "True", Current: "False", Desired: "Unknown"}}},
			codes.FailedPrecondition, []proto.Message{&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{
				{Type: "MERGE_CONFLICT", Subject: "spec.groupRef", Description: "changed both by this request and, since it was read, by another writer"},
				{Type: "MERGE_CONFLICT", Subject: "status.conditions[type=Ready].status", Description: "changed both by this request and, since it was read, by another writer"}}}}},
		{"invalid", invalid, codes.InvalidArgument, []proto.Message{&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "spec.targetSize", Description: "Invalid value: 5000: must be at most 1000"},
			{Field: "spec.maxSize", Description: "Required value"}}}}},
		{"bad request", apierrors.NewBadRequest("malformed"), codes.InvalidArgument, nil},
		{"invalid request ID", wrapped(fmt.Errorf("%w: byte ' ' at 3", conflict.ErrInvalidRequestID)), codes.InvalidArgument,
			[]proto.Message{&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: conflictgrpc.RequestIDHeader, Description: "update Group.infra.example.dev g1: invalid request ID: byte ' ' at 3"}}}}},
		{"subresource", &conflict.SubresourceError{Kind: groupGK, Operation: conflict.OperationUpdate, Fields: []string{"status"}, Use: "UpdateGroupStatusWithRetry"},
			codes.InvalidArgument, []proto.Message{&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "status", Description: "update cannot store this field: use UpdateGroupStatusWithRetry"}}}}},
		{"not found", apierrors.NewNotFound(groupsGR, "g1"), codes.NotFound, []proto.Message{&errdetails.ResourceInfo{
			ResourceType: "groups.infra.example.dev", ResourceName: "g1", Description: `groups.infra.example.dev "g1" not found`}}},
		{"already exists", apierrors.NewAlreadyExists(groupsGR, "g1"), codes.AlreadyExists, nil},
		{"forbidden", apierrors.NewForbidden(groupsGR, "g1", errors.New("denied")), codes.PermissionDenied, nil},
		{"unauthorized", apierrors.NewUnauthorized("who are you"), codes.Unauthenticated, nil},
		{"throttled", apierrors.NewTooManyRequests("slow down", 7), codes.ResourceExhausted, []proto.Message{retryInfo(7 * time.Second)}},
		{"throttled without Retry-After", apierrors.NewTooManyRequests("slow down", 0), codes.ResourceExhausted, nil},
		{"500", apierrors.NewInternalError(errors.New("etcd")), codes.Unavailable, nil},
		{"503", apierrors.NewServiceUnavailable("restarting"), codes.Unavailable, nil},
		{"server timeout", apierrors.NewServerTimeout(groupsGR, "update", 3), codes.Unavailable, []proto.Message{retryInfo(3 * time.Second)}},
		{"gateway timeout", apierrors.NewTimeoutError("slow", 0), codes.Unavailable, nil},
		{"connection refused", wrapped(&url.Error{Op: "Get", URL: "https://api", Err: syscall.ECONNREFUSED}), codes.Unavailable, nil},
		{"connection reset", wrapped(syscall.ECONNRESET), codes.Unavailable, nil},
		{"eof", wrapped(io.ErrUnexpectedEOF), codes.Unavailable, nil},
		{"outcome unknown", outcome, codes.Unavailable, []proto.Message{&errdetails.ErrorInfo{
			Reason: conflictgrpc.ReasonOutcomeUnknown, Domain: "conflict-gen.io", Metadata: map[string]string{
				"retry": "with the same request ID (conflict-gen-request-id): the write may have been stored, and a retry under its ID is not applied twice"}}}},
		{"outcome unknown, context ended", wrapped(fmt.Errorf("%w (%w): %w", conflict.ErrOutcomeUnknown, context.Canceled, io.EOF)), codes.Unavailable,
			[]proto.Message{&errdetails.ErrorInfo{Reason: conflictgrpc.ReasonOutcomeUnknown, Domain: "conflict-gen.io", Metadata: map[string]string{
				"retry": "with the same request ID (conflict-gen-request-id): the write may have been stored, and a retry under its ID is not applied twice"}}}},
		{"invalid mutation", wrapped(conflict.ErrInvalidMutation), codes.Internal, nil},
		{"anything else", errors.New("boom"), codes.Internal, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := conflictgrpc.Status(tc.err)
			if s.Code() != tc.code || s.Message() != tc.err.Error() {
				t.Errorf("status %v %q, want %v %q", s.Code(), s.Message(), tc.code, tc.err.Error())
			}
			details := s.Details()
			if len(details) != len(tc.details) {
				t.Fatalf("details %v, want %v", details, tc.details)
			}
			for i, want := range tc.details {
				got, ok := details[i].(proto.Message)
				if !ok || !proto.Equal(got, want) {
					t.Errorf("detail %d = %v, want %v", i, details[i], want)
				}
			}
			if err := conflictgrpc.Error(tc.err); status.Code(err) != tc.code {
				t.Errorf("Error: code %v, want %v", status.Code(err), tc.code)
			}
		})
	}
}

// An error that carries a gRPC status already (the handler's own, or
// wrapped) passes through as it is; nil is OK.
func TestStatusPassesGRPCErrorsThrough(t *testing.T) {
	own, _ := status.New(codes.FailedPrecondition, "size too large").WithDetails(&errdetails.PreconditionFailure{
		Violations: []*errdetails.PreconditionFailure_Violation{{Type: "SIZE", Subject: "g1"}}})
	for _, err := range []error{own.Err(), fmt.Errorf("handler: %w", own.Err())} {
		s := conflictgrpc.Status(err)
		if s.Code() != codes.FailedPrecondition || s.Message() != "size too large" || len(s.Details()) != 1 {
			t.Errorf("%v: got %v %q %v", err, s.Code(), s.Message(), s.Details())
		}
	}
	if conflictgrpc.Error(nil) != nil || conflictgrpc.Status(nil).Code() != codes.OK {
		t.Error("nil is not OK")
	}
}
