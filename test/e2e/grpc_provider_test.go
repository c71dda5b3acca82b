package e2e

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"k8s.io/client-go/rest"

	"github.com/conflict-gen/conflict-gen/examples/homelab"
	"github.com/conflict-gen/conflict-gen/examples/homelab/providerpb"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// providerServer is the homelab Provider served by a real gRPC server on
// a loopback port, in front of the API server. It can be restarted: a new
// process would build a new client and Provider, and serve them on the
// same address.
type providerServer struct {
	t    *testing.T
	new  func() *homelab.Provider
	addr string
	srv  *grpc.Server
}

// serveProvider starts a Provider that reaches the API server through cfg
// (nil: directly), its helpers called with opts; a restart builds a new
// one with a new client.
func serveProvider(t *testing.T, cfg *rest.Config, opts ...conflict.Option) *providerServer {
	t.Helper()
	return serve(t, func() *homelab.Provider {
		c, err := env.NewClient(cfg)
		require.NoError(t, err)
		return &homelab.Provider{Client: c, APIReader: c, Options: opts}
	})
}

// serve serves the Providers that newProvider returns.
func serve(t *testing.T, newProvider func() *homelab.Provider) *providerServer {
	t.Helper()
	ps := &providerServer{t: t, new: newProvider, addr: "127.0.0.1:0"}
	ps.start()
	t.Cleanup(func() { ps.srv.Stop() })
	return ps
}

// start serves a new Provider on ps's address.
func (ps *providerServer) start() {
	ps.t.Helper()
	var (
		lis net.Listener
		err error
	)
	// The old server's port is free again at once, but give the kernel a
	// moment should it still be held.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if lis, err = net.Listen("tcp", ps.addr); err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(ps.t, err)
	ps.addr = lis.Addr().String()
	ps.srv = homelab.NewGRPCServer(ps.new())
	go func() { _ = ps.srv.Serve(lis) }()
}

// restart stops the server at once, cutting the calls under way, and
// starts a new one.
func (ps *providerServer) restart() {
	ps.srv.Stop()
	ps.start()
}

// dial connects a new client, which stamps a request ID on each call.
func (ps *providerServer) dial(t *testing.T) providerpb.ProviderClient {
	t.Helper()
	conn, err := grpc.NewClient(ps.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(conflictgrpc.UnaryClientInterceptor()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return providerpb.NewProviderClient(conn)
}

// increaseUntilDone sends one NodeGroupIncreaseSize(+1) request for group
// under one request ID, retrying every failed call with that ID until one
// succeeds, as a client that cannot tell a lost answer from a failure
// must. It returns the failed calls' errors.
func increaseUntilDone(ctx context.Context, cl providerpb.ProviderClient, group string) ([]error, error) {
	ctx = conflictgrpc.OutgoingContextWithRequestID(ctx, conflictgrpc.NewRequestID())
	var failed []error
	for {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := cl.NodeGroupIncreaseSize(callCtx, &providerpb.NodeGroupIncreaseSizeRequest{Id: group, Delta: 1})
		cancel()
		if err == nil {
			return failed, nil
		}
		failed = append(failed, err)
		select {
		case <-ctx.Done():
			return failed, errors.Join(ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
