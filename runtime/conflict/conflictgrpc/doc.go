// Package conflictgrpc serves the conflict helpers from gRPC handlers:
// request IDs carried in metadata, for exactly-once writes across a
// client's retries, and the runtime's errors as gRPC status codes with
// details, as Google's API design guide assigns them.
//
// On the server, [UnaryServerInterceptor] reads the request ID from the
// [RequestIDHeader] metadata key, refuses a malformed one with
// INVALID_ARGUMENT before the handler runs, optionally scopes it by the
// caller's identity ([WithIdentity]), puts it into the handler's context
// (conflict.ContextWithRequestID), where the helpers find it, and maps
// the handler's errors with [Status]. On the client,
// [UnaryClientInterceptor] stamps a fresh random ID on every call that
// has none, so that grpc-go's retries of the call, which happen below
// the interceptor, carry the same ID; an application that retries a call
// itself sets the ID once with [OutgoingContextWithRequestID] and reuses
// that context.
//
// The package lives in the runtime module, in a package of its own: a
// program that imports only runtime/conflict does not compile grpc, and
// its module graph gains nothing. It requires grpc v1.72.2 and genproto's
// googleapis/rpc of 2025-05-28, the versions controller-runtime v0.23
// (the oldest supported) already selects; lower requirements would be
// raised to them anyway. A program at that controller-runtime that
// serves gRPC adds this package with no module moving or joining its
// graph (hack/compat.sh checks both). A nested module of its own would
// have cost a second go.mod, replace directives and build wiring, and
// spared adopters nothing.
package conflictgrpc
