package conflictgrpc

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// NewRequestID returns a fresh request ID: a random (version 4) UUID,
// which no one else can guess.
func NewRequestID() string { return uuid.NewString() }

// OutgoingContextWithRequestID returns a copy of ctx whose calls carry
// the request ID id. An application that retries a call itself (after
// UNAVAILABLE with reason [ReasonOutcomeUnknown], say) makes its context
// once with a [NewRequestID] and passes it to every attempt, so that the
// server applies the request once.
func OutgoingContextWithRequestID(ctx context.Context, id string) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(RequestIDHeader, id)
	return metadata.NewOutgoingContext(ctx, md)
}

// UnaryClientInterceptor gives every call whose context carries no
// request ID a fresh one ([NewRequestID]). grpc-go retries a call (its
// retry policy, transparent retries) below its interceptors, so every
// attempt of one call carries the same ID.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if md, _ := metadata.FromOutgoingContext(ctx); len(md.Get(RequestIDHeader)) == 0 {
			ctx = OutgoingContextWithRequestID(ctx, NewRequestID())
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
