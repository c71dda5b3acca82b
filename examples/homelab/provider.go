package homelab

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	infra "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// NodeGroupIncreaseSizeRequest asks for Delta more Nodes in the Group Id,
// as cluster-autoscaler's externalgrpc protocol does.
type NodeGroupIncreaseSizeRequest struct {
	// Id names the Group.
	Id string
	// Delta is how many Nodes to add; it must be positive.
	Delta int32
}

// NodeGroupIncreaseSizeResponse is the empty answer.
type NodeGroupIncreaseSizeResponse struct{}

// NodeGroupAssignRequest moves a Node to another Group.
type NodeGroupAssignRequest struct {
	// Node names the Node; Id names the Group it should belong to.
	Node, Id string
}

// NodeGroupAssignResponse is the empty answer.
type NodeGroupAssignResponse struct{}

// Provider answers cluster-autoscaler's calls about Groups. Its handlers
// may run concurrently for the same Group: each request's change is
// applied exactly once, and failures come back as gRPC status errors.
type Provider struct {
	// Client writes Groups.
	Client client.Client
	// APIReader reads a Group again after a conflict.
	APIReader client.Reader
}

// errSizeTooLarge is the precondition an increase may fail.
var errSizeTooLarge = errors.New("size increase too large")

// NodeGroupIncreaseSize raises the Group's target size by req.Delta. The
// increase is applied to the Group as the API server has it, so concurrent
// increases add up: none is lost and none is applied twice.
func (p *Provider) NodeGroupIncreaseSize(ctx context.Context, req *NodeGroupIncreaseSizeRequest) (*NodeGroupIncreaseSizeResponse, error) {
	if req.Delta <= 0 {
		return nil, status.Errorf(codes.InvalidArgument, "delta must be positive, got %d", req.Delta)
	}
	group := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: req.Id}}
	err := infra.UpdateGroupWithRetry(ctx, p.Client, group, func(g *infrav1alpha1.Group) error {
		if g.Spec.TargetSize+req.Delta > g.Spec.MaxSize {
			return errSizeTooLarge
		}
		g.Spec.TargetSize += req.Delta
		return nil
	}, conflict.WithReader(p.APIReader))
	if err != nil {
		return nil, StatusError(err)
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
		return nil, StatusError(err)
	}
	modified := original.DeepCopy()
	modified.Spec.GroupRef = req.Id
	modified.Spec.DesiredPowerState = infrav1alpha1.PowerStateOff // a moved Node starts off
	if err := infra.UpdateNodeFrom(ctx, p.Client, original, modified, conflict.WithReader(p.APIReader)); err != nil {
		return nil, StatusError(err)
	}
	return &NodeGroupAssignResponse{}, nil
}

// StatusError maps an error of the helpers to a gRPC status, as Google's
// API design guide assigns codes: ABORTED for concurrency conflicts that
// outlasted the retries (the client may retry the whole request),
// FAILED_PRECONDITION for a merge that needs a person or a state the
// request does not fit, NOT_FOUND, DEADLINE_EXCEEDED and CANCELLED for the
// context, INVALID_ARGUMENT for what the API's schema rejects.
func StatusError(err error) error {
	var (
		exhausted *conflict.Error
		merge     *conflict.MergeError
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.As(err, &exhausted), errors.Is(err, conflict.ErrObjectReplaced):
		return status.Error(codes.Aborted, err.Error())
	case errors.As(err, &merge), errors.Is(err, errSizeTooLarge):
		return status.Error(codes.FailedPrecondition, err.Error())
	case apierrors.IsNotFound(err):
		return status.Error(codes.NotFound, err.Error())
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		return status.Error(codes.InvalidArgument, err.Error())
	case apierrors.IsForbidden(err):
		return status.Error(codes.PermissionDenied, err.Error())
	case apierrors.IsUnauthorized(err):
		return status.Error(codes.Unauthenticated, err.Error())
	case apierrors.IsTooManyRequests(err):
		return status.Error(codes.ResourceExhausted, err.Error())
	case apierrors.IsServiceUnavailable(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err):
		return status.Error(codes.Unavailable, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}
