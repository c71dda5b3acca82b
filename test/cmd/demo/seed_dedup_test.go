package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// TestSeedDedupFailureModes shows, on a clock the test sets, each way the
// seed's deduplication fails that the lost-answers scenario counts: a
// second legitimate request within the minute is dropped; a write whose
// answer was lost is cached as a failure, refused until the minute turns,
// then applied again; a new process (a restart, another replica) applies
// a retry within the minute.
func TestSeedDedupFailureModes(t *testing.T) {
	scheme, err := harness.Scheme()
	require.NoError(t, err)
	ctx := context.Background()
	now := time.Unix(600, 0)
	clock := func() time.Time { return now }
	var loseAnswer bool
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: "g"}, Spec: infrav1alpha1.GroupSpec{MaxSize: 10}}).
		WithInterceptorFuncs(interceptor.Funcs{Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := c.Update(ctx, obj, opts...); err != nil {
				return err
			}
			if loseAnswer {
				return errors.New("EOF") // stored, but the answer is lost
			}
			return nil
		}}).Build()
	size := func() int32 {
		g := &infrav1alpha1.Group{}
		require.NoError(t, c.Get(ctx, client.ObjectKey{Name: "g"}, g))
		return g.Spec.TargetSize
	}
	req := &homelab.NodeGroupIncreaseSizeRequest{Id: "g", Delta: 1}
	s := newSeedDedupServer(c, clock)

	_, err = s.NodeGroupIncreaseSize(ctx, req)
	require.NoError(t, err)
	_, err = s.NodeGroupIncreaseSize(ctx, req) // another request, same minute
	require.NoError(t, err)
	assert.Equal(t, int32(1), size(), "the second request was answered from the cache, not applied")

	// A request whose answer is lost, retried on the same process.
	now = now.Add(time.Minute)
	loseAnswer = true
	_, err = s.NodeGroupIncreaseSize(ctx, req)
	require.Error(t, err)
	loseAnswer = false
	assert.Equal(t, int32(2), size(), "stored although the handler saw an error")
	_, err = s.NodeGroupIncreaseSize(ctx, req)
	assert.ErrorContains(t, err, "EOF", "the retry gets the cached failure while the minute lasts")
	assert.Equal(t, int32(2), size())
	now = now.Add(time.Minute)
	_, err = s.NodeGroupIncreaseSize(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, int32(3), size(), "the retry in the next minute applied the request a second time")

	// Another one, retried within the minute on a new process.
	now = now.Add(time.Minute)
	loseAnswer = true
	_, err = s.NodeGroupIncreaseSize(ctx, req)
	require.Error(t, err)
	loseAnswer = false
	assert.Equal(t, int32(4), size())
	_, err = newSeedDedupServer(c, clock).NodeGroupIncreaseSize(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, int32(5), size(), "the restarted process applied the retry a second time")
}
