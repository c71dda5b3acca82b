package homelab

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab/providerpb"
	infra "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The request and answer types are the service's messages (package
// providerpb, generated from providerpb/provider.proto).
type (
	// NodeGroupIncreaseSizeRequest asks for Delta more Nodes in the Group
	// Id, as cluster-autoscaler's externalgrpc protocol does.
	NodeGroupIncreaseSizeRequest = providerpb.NodeGroupIncreaseSizeRequest
	// NodeGroupIncreaseSizeResponse is the empty answer.
	NodeGroupIncreaseSizeResponse = providerpb.NodeGroupIncreaseSizeResponse
	// NodeGroupAssignRequest moves the Node Node to the Group Id.
	NodeGroupAssignRequest = providerpb.NodeGroupAssignRequest
	// NodeGroupAssignResponse is the empty answer.
	NodeGroupAssignResponse = providerpb.NodeGroupAssignResponse
)

// Provider serves cluster-autoscaler's calls about Groups
// (providerpb.ProviderServer; serve it with [NewGRPCServer]). Its handlers
// may run concurrently for the same Group: each request's change is
// applied once, also when the client retries it after a lost answer (the
// request ID that conflictgrpc's interceptors carry is recorded in the
// Group in the same write). They return the helpers' errors as they are:
// the server's interceptor maps them to gRPC status codes.
type Provider struct {
	providerpb.UnimplementedProviderServer

	// Client writes Groups.
	Client client.Client
	// APIReader reads a Group again after a conflict.
	APIReader client.Reader
	// Options are added to every helper call (conflict.WithCombining,
	// conflict.WithMetrics, ...).
	Options []conflict.Option
}

// NodeGroupIncreaseSize raises the Group's target size by req.Delta. The
// increase is applied to the Group as the API server has it, so concurrent
// increases add up: none is lost, and a request retried under its request
// ID is not applied twice.
func (p *Provider) NodeGroupIncreaseSize(ctx context.Context, req *NodeGroupIncreaseSizeRequest) (*NodeGroupIncreaseSizeResponse, error) {
	if req.Delta <= 0 {
		return nil, status.Errorf(codes.InvalidArgument, "delta must be positive, got %d", req.Delta)
	}
	group := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: req.Id}}
	err := infra.UpdateGroupWithRetry(ctx, p.Client, group, func(g *infrav1alpha1.Group) error {
		if g.Spec.TargetSize+req.Delta > g.Spec.MaxSize {
			// A status error passes through the interceptor as it is.
			return status.Errorf(codes.FailedPrecondition, "size increase too large: %d + %d exceeds maxSize %d",
				g.Spec.TargetSize, req.Delta, g.Spec.MaxSize)
		}
		g.Spec.TargetSize += req.Delta
		return nil
	}, p.options()...)
	if err != nil {
		return nil, err
	}
	return &NodeGroupIncreaseSizeResponse{}, nil
}

// NodeGroupAssign moves a Node to another Group. It merges its change with
// whatever else changed on the Node since it was read; if someone else
// moved the Node meanwhile (spec.groupRef is strict), it fails with
// FAILED_PRECONDITION and writes nothing.
func (p *Provider) NodeGroupAssign(ctx context.Context, req *NodeGroupAssignRequest) (*NodeGroupAssignResponse, error) {
	original := &infrav1alpha1.Node{}
	if err := p.Client.Get(ctx, client.ObjectKey{Name: req.Node}, original); err != nil {
		return nil, err
	}
	modified := original.DeepCopy()
	modified.Spec.GroupRef = req.Id
	modified.Spec.DesiredPowerState = infrav1alpha1.PowerStateOff // a moved Node starts off
	if err := infra.UpdateNodeFrom(ctx, p.Client, original, modified, p.options()...); err != nil {
		return nil, err
	}
	return &NodeGroupAssignResponse{}, nil
}

func (p *Provider) options() []conflict.Option {
	return append([]conflict.Option{conflict.WithReader(p.APIReader)}, p.Options...)
}
