package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab"
	"github.com/conflict-gen/conflict-gen/examples/homelab/providerpb"
)

func createGroup(t *testing.T, c client.Client, name string, target, max int32) *infrav1alpha1.Group {
	t.Helper()
	g := &infrav1alpha1.Group{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       infrav1alpha1.GroupSpec{MinSize: 0, MaxSize: max, TargetSize: target},
	}
	require.NoError(t, c.Create(ctx(t), g))
	t.Cleanup(func() { deleteLater(g) })
	return g
}

// TestConcurrentIncreaseSizeRequestsAddUp: cluster-autoscaler's
// NodeGroupIncreaseSize called concurrently for one Group: every increase
// is applied once, none lost, none doubled.
func TestConcurrentIncreaseSizeRequestsAddUp(t *testing.T) {
	c := newClient(t)
	createGroup(t, c, "increase", 0, 1000)
	p := &homelab.Provider{Client: c, APIReader: c}

	const requests = 64
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.NodeGroupIncreaseSize(ctx(t), &homelab.NodeGroupIncreaseSizeRequest{Id: "increase", Delta: int32(1 + i%3)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	want := int32(0)
	for i := range requests {
		want += int32(1 + i%3)
	}
	g := &infrav1alpha1.Group{}
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: "increase"}, g))
	assert.Equal(t, want, g.Spec.TargetSize)
}

// The Provider's failures reach a gRPC client as status codes.
func TestIncreaseSizeErrorsAreGRPCCodes(t *testing.T) {
	createGroup(t, newClient(t), "bounded", 9, 10)
	cl := serveProvider(t, nil).dial(t)

	_, err := cl.NodeGroupIncreaseSize(ctx(t), &providerpb.NodeGroupIncreaseSizeRequest{Id: "bounded", Delta: 2})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	_, err = cl.NodeGroupIncreaseSize(ctx(t), &providerpb.NodeGroupIncreaseSizeRequest{Id: "missing", Delta: 1})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = cl.NodeGroupIncreaseSize(ctx(t), &providerpb.NodeGroupIncreaseSizeRequest{Id: "bounded", Delta: 0})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = cl.NodeGroupIncreaseSize(expired, &providerpb.NodeGroupIncreaseSizeRequest{Id: "bounded", Delta: 1})
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "%v", err)
}

func TestAssignNodeMovedByAnotherWriterIsFailedPrecondition(t *testing.T) {
	c := newClient(t)
	createNode(t, c, "assign")
	// The handler reads the Node, then someone else moves it before the
	// handler writes: the write conflicts, the merge finds groupRef
	// changed on both sides.
	interceptor := &moveOnFirstUpdate{Client: c, t: t, moveTo: "g2"}
	cl := serve(t, func() *homelab.Provider { return &homelab.Provider{Client: interceptor, APIReader: c} }).dial(t)

	_, err := cl.NodeGroupAssign(ctx(t), &providerpb.NodeGroupAssignRequest{Node: "assign", Id: "g3"})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Equal(t, "g2", getNode(t, c, "assign").Spec.GroupRef, "the other writer's move stands")

	_, err = cl.NodeGroupAssign(ctx(t), &providerpb.NodeGroupAssignRequest{Node: "assign", Id: "g3"})
	require.NoError(t, err, "without a concurrent move it succeeds")
	assert.Equal(t, "g3", getNode(t, c, "assign").Spec.GroupRef)
}

// moveOnFirstUpdate moves the Node to moveTo just before the first update
// that goes through it, as a concurrent writer would.
type moveOnFirstUpdate struct {
	client.Client
	t      *testing.T
	moveTo string
	once   sync.Once
}

func (m *moveOnFirstUpdate) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	m.once.Do(func() {
		n := getNode(m.t, m.Client, obj.GetName())
		n.Spec.GroupRef = m.moveTo
		require.NoError(m.t, m.Client.Update(ctx, n))
	})
	return m.Client.Update(ctx, obj, opts...)
}

// TestHomelabOperatorUnderLoad runs the Node and Group reconcilers in a
// manager while autoscaler requests grow the Group concurrently: the
// Group ends at its target with exactly that many machines on, every
// Node's status observed its spec, and the Group says Ready.
func TestHomelabOperatorUnderLoad(t *testing.T) {
	c := newClient(t)
	const nodes, requests = 12, 10
	createGroup(t, c, "lab", 0, nodes)
	for i := range nodes {
		n := &infrav1alpha1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("lab-%02d", i)},
			Spec:       infrav1alpha1.NodeSpec{DesiredPowerState: infrav1alpha1.PowerStateOff, GroupRef: "lab", Pricing: int64(i)},
		}
		require.NoError(t, c.Create(ctx(t), n))
		t.Cleanup(func() { deleteLater(n) })
	}

	mgr, err := env.NewManager()
	require.NoError(t, err)
	machines := &homelab.FakeMachines{}
	require.NoError(t, (&homelab.NodeReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Machines: machines}).SetupWithManager(mgr))
	require.NoError(t, (&homelab.GroupReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}).SetupWithManager(mgr))
	mctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { stop(); require.NoError(t, <-done) }()

	p := &homelab.Provider{Client: c, APIReader: c}
	var wg sync.WaitGroup
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.NodeGroupIncreaseSize(ctx(t), &homelab.NodeGroupIncreaseSizeRequest{Id: "lab", Delta: 1})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()

	require.Eventually(t, func() bool {
		g := &infrav1alpha1.Group{}
		if c.Get(ctx(t), client.ObjectKey{Name: "lab"}, g) != nil {
			return false
		}
		return g.Status.ObservedGeneration == g.Generation && meta.IsStatusConditionTrue(g.Status.Conditions, homelab.ConditionReady)
	}, time.Minute, 50*time.Millisecond, "the Group reaches its target")

	list := &infrav1alpha1.NodeList{}
	require.NoError(t, c.List(ctx(t), list))
	on := 0
	for _, n := range list.Items {
		if n.Spec.GroupRef != "lab" {
			continue
		}
		if n.Spec.DesiredPowerState == infrav1alpha1.PowerStateOn {
			on++
			assert.Equal(t, infrav1alpha1.PowerStateOn, machines.Power(n.Name), "%s's machine is on", n.Name)
			assert.Less(t, n.Spec.Pricing, int64(requests), "the cheapest nodes were chosen")
		}
	}
	assert.Equal(t, requests, on, "exactly the target number of machines asked to be on")
	g := &infrav1alpha1.Group{}
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: "lab"}, g))
	assert.Equal(t, int32(requests), g.Spec.TargetSize)
	assert.Equal(t, int32(requests), g.Status.Size)
}
