package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// increments is how many updates each contention test requests in all.
const increments = 256

// hammer runs workers goroutines that together apply total increments
// through op and c on the Node start, each holding its own copy of start,
// and returns the errors.
func hammer(t *testing.T, c client.Client, op nodeOp, start *infrav1alpha1.Node, workers, total int, opts ...conflict.Option) []error {
	t.Helper()
	held := make([]*infrav1alpha1.Node, workers)
	for i := range held {
		held[i] = start.DeepCopy()
	}
	return load.Run(ctx(t), workers, total, func(ctx context.Context, w int) error {
		return op.update(ctx, c, held[w], func(n *infrav1alpha1.Node) error { op.inc(n); return nil }, opts...)
	}).Errors
}

// TestEveryIncrementIsApplied: W goroutines of one process increment one
// hot object through the generated helpers with their default policy;
// every increment lands and none gives up.
func TestEveryIncrementIsApplied(t *testing.T) {
	for _, op := range nodeOps {
		for _, w := range []int{1, 8, 32, 128} {
			t.Run(fmt.Sprintf("%s/W=%d", op.name, w), func(t *testing.T) {
				c := newClient(t)
				name := fmt.Sprintf("hot-%s-%d", op.name, w)
				start := createNode(t, c, name)

				errs := hammer(t, c, op, start, w, increments)

				require.Empty(t, errs, "no update may give up")
				assert.Equal(t, int64(increments), op.count(getNode(t, c, name)))
			})
		}
	}
}

// TestEveryIncrementIsAppliedThroughACachedClient: writers read through a
// manager's informer cache, which lags behind the server, and re-read
// after a conflict through the manager's API reader, as the README tells
// users to. Still exact.
func TestEveryIncrementIsAppliedThroughACachedClient(t *testing.T) {
	mgr, err := env.NewManager()
	require.NoError(t, err)
	mctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { stop(); require.NoError(t, <-done) }()
	require.True(t, mgr.GetCache().WaitForCacheSync(mctx))

	for _, op := range nodeOps {
		t.Run(op.name, func(t *testing.T) {
			name := "hot-cached-" + op.name
			createNode(t, newClient(t), name)
			cached := mgr.GetClient()
			start := &infrav1alpha1.Node{}
			require.Eventually(t, func() bool {
				return cached.Get(ctx(t), client.ObjectKey{Name: name}, start) == nil
			}, 10*time.Second, 10*time.Millisecond, "the cache sees the new Node")

			errs := hammer(t, cached, op, start, 32, increments, conflict.WithReader(mgr.GetAPIReader()))

			require.Empty(t, errs)
			assert.Equal(t, int64(increments), op.count(getNode(t, newClient(t), name)))
		})
	}
}
