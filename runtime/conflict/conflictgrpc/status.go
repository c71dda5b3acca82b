package conflictgrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// ErrorDomain is the domain of the ErrorInfo details this package adds.
const ErrorDomain = "conflict-gen.io"

// ReasonOutcomeUnknown is the ErrorInfo reason of an UNAVAILABLE status
// whose write may have been stored: the client retries with the same
// request ID, which the server answers without applying the write twice.
const ReasonOutcomeUnknown = "OUTCOME_UNKNOWN"

// AbortedRetryDelay is the RetryInfo delay of an ABORTED status: the
// helper has already retried its conflicts for its whole budget, so the
// client waits a moment before it retries the request.
const AbortedRetryDelay = time.Second

// Error returns err as a gRPC status error ([Status]); nil for nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return Status(err).Err()
}

// Status maps an error of the helpers (or of the client.Client a handler
// uses) to a gRPC status whose message is err's text:
//
//   - an error that carries a gRPC status already: that status;
//   - conflict.ErrOutcomeUnknown (the write may have been stored):
//     UNAVAILABLE with an ErrorInfo of reason [ReasonOutcomeUnknown]
//     telling the client to retry with the same request ID;
//   - conflict.ErrInvalidRequestID, a *conflict.SubresourceError, an
//     Invalid or BadRequest API error: INVALID_ARGUMENT with BadRequest
//     field violations (the request ID header, the fields the write
//     would drop, the API's causes);
//   - the context's deadline or cancellation (also when it ended a
//     helper's retries): DEADLINE_EXCEEDED, CANCELLED;
//   - *conflict.Error (conflicts outlasted the retries),
//     conflict.ErrObjectReplaced and a bare 409 Conflict: ABORTED with
//     RetryInfo ([AbortedRetryDelay]);
//   - *conflict.MergeError: FAILED_PRECONDITION with a PreconditionFailure
//     violation per conflicting field path;
//   - NotFound: NOT_FOUND with ResourceInfo; AlreadyExists:
//     ALREADY_EXISTS; Forbidden: PERMISSION_DENIED; Unauthorized:
//     UNAUTHENTICATED;
//   - TooManyRequests: RESOURCE_EXHAUSTED with RetryInfo from its
//     Retry-After;
//   - a 5xx answer, a server timeout, a lost or refused connection:
//     UNAVAILABLE (with RetryInfo when the server suggested a delay);
//   - anything else: INTERNAL.
func Status(err error) *status.Status {
	if err == nil {
		return status.New(codes.OK, "")
	}
	var carrier interface{ GRPCStatus() *status.Status }
	if errors.As(err, &carrier) {
		// A status that is nil or OK says nothing about this error: it is
		// mapped as one without, never passed on as success.
		if s := carrier.GRPCStatus(); s.Code() != codes.OK {
			return s
		}
	}
	msg := err.Error()
	var (
		exhausted   *conflict.Error
		merge       *conflict.MergeError
		subresource *conflict.SubresourceError
	)
	switch {
	case errors.Is(err, conflict.ErrOutcomeUnknown):
		return withDetails(codes.Unavailable, msg, &errdetails.ErrorInfo{
			Reason: ReasonOutcomeUnknown,
			Domain: ErrorDomain,
			Metadata: map[string]string{
				"retry": "with the same request ID (" + RequestIDHeader + "): the write may have been stored, and a retry under its ID is not applied twice",
			},
		})
	case errors.Is(err, conflict.ErrInvalidRequestID):
		return withDetails(codes.InvalidArgument, msg, &errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: RequestIDHeader, Description: msg}},
		})
	case errors.As(err, &subresource):
		violations := make([]*errdetails.BadRequest_FieldViolation, len(subresource.Fields))
		for i, f := range subresource.Fields {
			violations[i] = &errdetails.BadRequest_FieldViolation{Field: f,
				Description: fmt.Sprintf("%s cannot store this field: use %s", subresource.Operation, subresource.Use)}
		}
		return withDetails(codes.InvalidArgument, msg, &errdetails.BadRequest{FieldViolations: violations})
	case clientTimeout(err):
		return status.New(codes.Unavailable, msg)
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, msg)
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, msg)
	case errors.As(err, &exhausted), errors.Is(err, conflict.ErrObjectReplaced):
		return aborted(msg)
	case errors.As(err, &merge):
		violations := make([]*errdetails.PreconditionFailure_Violation, len(merge.Conflicts))
		for i, c := range merge.Conflicts {
			violations[i] = &errdetails.PreconditionFailure_Violation{Type: "MERGE_CONFLICT", Subject: c.Path,
				Description: "changed both by this request and, since it was read, by another writer"}
		}
		return withDetails(codes.FailedPrecondition, msg, &errdetails.PreconditionFailure{Violations: violations})
	}
	if s, ok := apiStatus(err, msg); ok {
		return s
	}
	if lostConnection(err) {
		return status.New(codes.Unavailable, msg)
	}
	return status.New(codes.Internal, msg)
}

// apiStatus maps an error the API server answered.
func apiStatus(err error, msg string) (*status.Status, bool) {
	var api apierrors.APIStatus
	if !errors.As(err, &api) {
		return nil, false
	}
	delay, hasDelay := apierrors.SuggestsClientDelay(err)
	retry := func(code codes.Code) *status.Status {
		if !hasDelay {
			return status.New(code, msg)
		}
		return withDetails(code, msg, &errdetails.RetryInfo{RetryDelay: durationpb.New(time.Duration(delay) * time.Second)})
	}
	switch {
	case apierrors.IsConflict(err):
		return aborted(msg), true
	case apierrors.IsAlreadyExists(err):
		return status.New(codes.AlreadyExists, msg), true
	case apierrors.IsNotFound(err):
		info := &errdetails.ResourceInfo{Description: msg}
		if d := api.Status().Details; d != nil {
			info.ResourceType, info.ResourceName = resourceType(d.Group, d.Kind), d.Name
		}
		return withDetails(codes.NotFound, msg, info), true
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		var violations []*errdetails.BadRequest_FieldViolation
		if d := api.Status().Details; d != nil {
			for _, c := range d.Causes {
				violations = append(violations, &errdetails.BadRequest_FieldViolation{Field: c.Field, Description: c.Message})
			}
		}
		if len(violations) == 0 {
			return status.New(codes.InvalidArgument, msg), true
		}
		return withDetails(codes.InvalidArgument, msg, &errdetails.BadRequest{FieldViolations: violations}), true
	case apierrors.IsForbidden(err):
		return status.New(codes.PermissionDenied, msg), true
	case apierrors.IsUnauthorized(err):
		return status.New(codes.Unauthenticated, msg), true
	case apierrors.IsTooManyRequests(err):
		return retry(codes.ResourceExhausted), true
	case api.Status().Code >= http.StatusInternalServerError, apierrors.IsServerTimeout(err), apierrors.IsTimeout(err):
		return retry(codes.Unavailable), true
	}
	return nil, false
}

// lostConnection reports whether err is a transport failure: the API
// server was not reached, or its answer did not arrive.
func lostConnection(err error) bool {
	var (
		urlErr *url.Error
		netErr net.Error
	)
	return errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

func aborted(msg string) *status.Status {
	return withDetails(codes.Aborted, msg, &errdetails.RetryInfo{RetryDelay: durationpb.New(AbortedRetryDelay)})
}

func resourceType(group, kind string) string {
	if group == "" {
		return kind
	}
	return kind + "." + group
}

// withDetails is a status with one detail. The details are well-formed
// messages, so adding them cannot fail.
func withDetails(code codes.Code, msg string, detail protoadapt.MessageV1) *status.Status {
	s, err := status.New(code, msg).WithDetails(detail)
	if err != nil {
		panic(err)
	}
	return s
}

// clientTimeout reports whether err is an HTTP client's own timeout
// (http.Client.Timeout, a transport's header timeout) rather than the end
// of the caller's context: the API server did not answer in time, which
// the caller may retry. net/http's timeout errors also satisfy
// errors.Is(err, context.DeadlineExceeded), so this is checked first.
func clientTimeout(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) && ue.Timeout() && ue.Err != context.DeadlineExceeded && ue.Err != context.Canceled
}
