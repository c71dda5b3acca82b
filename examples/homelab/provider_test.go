package homelab

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab/providerpb"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// loseFirstAnswer stores the first Update and then fails it as a lost
// connection does: the write landed, the handler cannot know it.
type loseFirstAnswer struct {
	client.Client
	lost atomic.Bool
}

func (l *loseFirstAnswer) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if err := l.Client.Update(ctx, obj, opts...); err != nil || l.lost.Swap(true) {
		return err
	}
	return errors.New("read tcp 127.0.0.1:6443: connection reset by peer")
}

// serveProvider serves p on a loopback TCP port through NewGRPCServer and
// returns a client that stamps request IDs.
func serveProvider(t *testing.T, p *Provider) providerpb.ProviderClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewGRPCServer(p)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(conflictgrpc.UnaryClientInterceptor()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return providerpb.NewProviderClient(conn)
}

func fakeClient(t *testing.T, objs ...client.Object) client.Client {
	scheme := runtime.NewScheme()
	require.NoError(t, infrav1alpha1.AddToScheme(scheme))
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&infrav1alpha1.Group{}, &infrav1alpha1.Node{}).Build()
}

func group(name string, target, max int32) *infrav1alpha1.Group {
	return &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: infrav1alpha1.GroupSpec{TargetSize: target, MaxSize: max}}
}

func targetSize(t *testing.T, c client.Client, name string) int32 {
	g := &infrav1alpha1.Group{}
	require.NoError(t, c.Get(context.Background(), client.ObjectKey{Name: name}, g))
	return g.Spec.TargetSize
}

// An increase whose answer was lost comes back UNAVAILABLE with the
// OUTCOME_UNKNOWN reason; retried with the same request ID it succeeds
// without being applied twice. A new request is applied.
func TestIncreaseRetriedAfterALostAnswerIsAppliedOnce(t *testing.T) {
	server := fakeClient(t, group("g1", 0, 10))
	lossy := &loseFirstAnswer{Client: server}
	cl := serveProvider(t, &Provider{Client: lossy, APIReader: server})

	ctx := conflictgrpc.OutgoingContextWithRequestID(t.Context(), conflictgrpc.NewRequestID())
	req := &providerpb.NodeGroupIncreaseSizeRequest{Id: "g1", Delta: 3}
	_, err := cl.NodeGroupIncreaseSize(ctx, req)
	s := status.Convert(err)
	require.Equal(t, codes.Unavailable, s.Code(), "%v", err)
	require.Len(t, s.Details(), 1)
	info, ok := s.Details()[0].(*errdetails.ErrorInfo)
	require.True(t, ok, "%v", s.Details()[0])
	assert.Equal(t, conflictgrpc.ReasonOutcomeUnknown, info.GetReason())
	assert.Equal(t, int32(3), targetSize(t, server, "g1"), "the lost answer's write landed")

	_, err = cl.NodeGroupIncreaseSize(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, int32(3), targetSize(t, server, "g1"), "the retry is not applied again")

	_, err = cl.NodeGroupIncreaseSize(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, int32(6), targetSize(t, server, "g1"), "a new request (a fresh ID) is applied")
}

// The handlers' failures reach the client as gRPC codes.
func TestProviderErrorsAreGRPCCodes(t *testing.T) {
	server := fakeClient(t, group("bounded", 9, 10))
	cl := serveProvider(t, &Provider{Client: server, APIReader: server})
	for _, tc := range []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"size too large", func() error {
			_, err := cl.NodeGroupIncreaseSize(t.Context(), &providerpb.NodeGroupIncreaseSizeRequest{Id: "bounded", Delta: 2})
			return err
		}, codes.FailedPrecondition},
		{"no such group", func() error {
			_, err := cl.NodeGroupIncreaseSize(t.Context(), &providerpb.NodeGroupIncreaseSizeRequest{Id: "missing", Delta: 1})
			return err
		}, codes.NotFound},
		{"delta not positive", func() error {
			_, err := cl.NodeGroupIncreaseSize(t.Context(), &providerpb.NodeGroupIncreaseSizeRequest{Id: "bounded", Delta: 0})
			return err
		}, codes.InvalidArgument},
		{"no such node", func() error {
			_, err := cl.NodeGroupAssign(t.Context(), &providerpb.NodeGroupAssignRequest{Node: "missing", Id: "bounded"})
			return err
		}, codes.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			assert.Equal(t, tc.want, status.Code(err), "%v", err)
		})
	}
	assert.Equal(t, int32(9), targetSize(t, server, "bounded"), "nothing was written")
}
