package homelab

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	"github.com/conflict-gen/conflict-gen/examples/homelab/providerpb"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// NewGRPCServer returns a gRPC server that serves p behind conflictgrpc's
// interceptor: each call's request ID (scoped by the client certificate's
// subject when the connection has one) reaches the helpers, and their
// errors reach the client as gRPC status codes. opts (credentials, more
// interceptors, which run after it) are passed to grpc.NewServer.
func NewGRPCServer(p *Provider, opts ...grpc.ServerOption) *grpc.Server {
	opts = append([]grpc.ServerOption{grpc.ChainUnaryInterceptor(
		conflictgrpc.UnaryServerInterceptor(conflictgrpc.WithIdentity(clientCertSubject)))}, opts...)
	s := grpc.NewServer(opts...)
	providerpb.RegisterProviderServer(s, p)
	return s
}

// clientCertSubject is the subject of the client's verified certificate:
// on a mutual-TLS connection, who is calling. Without one the caller is
// unknown, and request IDs are used as they come.
func clientCertSubject(ctx context.Context) (string, bool) {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return "", false
	}
	tlsInfo, ok := pr.AuthInfo.(credentials.TLSInfo)
	if !ok || len(tlsInfo.State.VerifiedChains) == 0 || len(tlsInfo.State.VerifiedChains[0]) == 0 {
		return "", false
	}
	return tlsInfo.State.VerifiedChains[0][0].Subject.String(), true
}
