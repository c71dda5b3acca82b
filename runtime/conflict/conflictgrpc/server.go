package conflictgrpc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// RequestIDHeader is the metadata key that carries a call's request ID:
// ASCII letters, digits and "-._:/", at most 128 bytes; a random UUID,
// kept across the client's retries of the call.
const RequestIDHeader = "conflict-gen-request-id"

// ServerOption tunes [UnaryServerInterceptor].
type ServerOption func(*serverOptions)

type serverOptions struct {
	identity func(context.Context) (string, bool)
}

// WithIdentity scopes request IDs by the caller: identity returns who
// made the call (a client certificate's subject, a token's subject), ok
// false when it is not known. A known caller's ID is replaced by a hash
// of identity and ID, so that a caller who learns another's ID cannot
// send it first and have the other's request taken for a duplicate. An
// unknown caller's ID is hashed too, in a namespace of its own, so that
// it cannot be sent as a known caller's stored hash.
func WithIdentity(identity func(ctx context.Context) (identity string, ok bool)) ServerOption {
	return func(o *serverOptions) { o.identity = identity }
}

// UnaryServerInterceptor puts the request ID of each call (the
// [RequestIDHeader] metadata, scoped by [WithIdentity] when given) into
// the handler's context with conflict.ContextWithRequestID, where the
// helpers find it, and returns the handler's errors mapped by [Status].
// A call with a malformed ID, or with more than one, is refused with
// INVALID_ARGUMENT before the handler runs; a call without one runs
// without (its writes are not deduplicated).
func UnaryServerInterceptor(opts ...ServerOption) grpc.UnaryServerInterceptor {
	var o serverOptions
	for _, opt := range opts {
		opt(&o)
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		switch ids := md.Get(RequestIDHeader); len(ids) {
		case 0:
		case 1:
			id := ids[0]
			if err := conflict.ValidateRequestID(id); err != nil {
				return nil, Error(err)
			}
			if o.identity != nil {
				if who, ok := o.identity(ctx); ok {
					id = scopedRequestID(who, id)
				} else {
					id = unscopedRequestID(id)
				}
			}
			ctx = conflict.ContextWithRequestID(ctx, id)
		default:
			return nil, status.Errorf(codes.InvalidArgument, "%d %s values, want one", len(ids), RequestIDHeader)
		}
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, Error(err)
		}
		return resp, nil
	}
}

// scopedRequestID is the ID stored for id sent by identity: 64 hex digits
// of SHA-256 over both, length-prefixed so that no two pairs share their
// input. It is within the runtime's limits whatever identity is.
func scopedRequestID(identity, id string) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(len(identity)) + ":" + identity + ":" + id))
	return hex.EncodeToString(sum[:])
}

// unscopedRequestID is the ID stored for id sent by a caller whose
// identity is not known, where identities are: 64 hex digits of SHA-256
// over a prefix that no scopedRequestID input starts with (those start
// with a digit), so that a stored hash sent as an ID is not a known
// caller's.
func unscopedRequestID(id string) string {
	sum := sha256.Sum256([]byte("?:" + id))
	return hex.EncodeToString(sum[:])
}
