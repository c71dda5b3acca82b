package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// nodeOp is one of the two write paths every contention test covers: the
// spec through UpdateNodeWithRetry, the status through
// UpdateNodeStatusWithRetry. Each increments a counter.
type nodeOp struct {
	name   string
	update func(context.Context, client.Client, *infrav1alpha1.Node, func(*infrav1alpha1.Node) error, ...conflict.Option) error
	inc    func(*infrav1alpha1.Node)
	count  func(*infrav1alpha1.Node) int64
}

var nodeOps = []nodeOp{
	{"spec", helpers.UpdateNodeWithRetry,
		func(n *infrav1alpha1.Node) { n.Spec.Pricing++ },
		func(n *infrav1alpha1.Node) int64 { return n.Spec.Pricing }},
	{"status", helpers.UpdateNodeStatusWithRetry,
		func(n *infrav1alpha1.Node) { n.Status.Count++ },
		func(n *infrav1alpha1.Node) int64 { return n.Status.Count }},
}

func opNamed(name string) nodeOp {
	for _, op := range nodeOps {
		if op.name == name {
			return op
		}
	}
	panic("no node operation " + name)
}

// newClient returns an uncached client of the shared server.
func newClient(t testing.TB) client.Client {
	t.Helper()
	c, err := env.NewClient(nil)
	require.NoError(t, err)
	return c
}

// createNode creates a Node and returns it as the server answered.
func createNode(t testing.TB, c client.Client, name string) *infrav1alpha1.Node {
	t.Helper()
	n := &infrav1alpha1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       infrav1alpha1.NodeSpec{DesiredPowerState: infrav1alpha1.PowerStateOff, GroupRef: "g1"},
	}
	require.NoError(t, c.Create(ctx(t), n))
	t.Cleanup(func() { deleteLater(n) })
	return n
}

// getNode reads a Node from the server.
func getNode(t testing.TB, c client.Client, name string) *infrav1alpha1.Node {
	t.Helper()
	n := &infrav1alpha1.Node{}
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: name}, n))
	return n
}

// ctx is a test's context, bounded so that a hang fails instead of
// stalling the run.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// deleteLater deletes obj at the end of a test through a new client: the
// test may have restarted the API server on another port.
func deleteLater(obj client.Object) {
	if c, err := env.NewClient(nil); err == nil {
		_ = c.Delete(context.Background(), obj)
	}
}
