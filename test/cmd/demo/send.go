package main

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/examples/homelab"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// sendWithRequestID is how a client's request, with its request ID,
// reaches the generated handler: homelab.Provider.NodeGroupIncreaseSize,
// with the ID in its context as conflictgrpc's server interceptor puts it
// there (the demo calls the handler directly, to count what the proxy
// sees per request; test/e2e runs the same handler behind a real gRPC
// server).
func sendWithRequestID(ctx context.Context, c client.Client, req *homelab.NodeGroupIncreaseSizeRequest, id string) error {
	p := &homelab.Provider{Client: c, APIReader: c}
	_, err := p.NodeGroupIncreaseSize(conflict.ContextWithRequestID(ctx, id), req)
	return err
}
