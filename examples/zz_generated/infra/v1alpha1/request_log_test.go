package v1alpha1_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// lossyStatus is a fake API server holding one Group whose first status
// write is stored and its answer lost, as a dropped connection loses it.
// It counts the status writes that reach it.
func lossyStatus(t *testing.T) (client.Client, *atomic.Int32) {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, infrav1alpha1.AddToScheme(scheme))
	var writes atomic.Int32
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: "g", UID: "uid-g"}}, newNode("n1")).
		WithStatusSubresource(&infrav1alpha1.Group{}, &infrav1alpha1.Node{}).
		WithInterceptorFuncs(interceptor.Funcs{
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				n := writes.Add(1)
				if err := c.SubResource(sub).Update(ctx, obj, opts...); err != nil || n > 1 {
					return err
				}
				return errors.New("read tcp: connection reset by peer")
			},
		}).Build()
	return &pointerClient{c}, &writes
}

func group(t *testing.T, c client.Client) *infrav1alpha1.Group {
	t.Helper()
	g := &infrav1alpha1.Group{}
	require.NoError(t, c.Get(context.Background(), client.ObjectKey{Name: "g"}, g))
	return g
}

// grow is a status change a retry must not apply twice.
func grow(g *infrav1alpha1.Group) error { g.Status.Size++; return nil }

// The Group is marked +conflict:requestLog=Status.RequestLog: its status
// helper records a request's ID in status.requestLog in the same write,
// and a retry of a request whose answer was lost finds it there.
func TestGroupStatusRequestRetriedAfterALostAnswerIsAppliedOnce(t *testing.T) {
	c, writes := lossyStatus(t)
	ctx := context.Background()
	stale := group(t, c)
	id := conflict.WithRequestID("increase-1")

	err := helpers.UpdateGroupStatusWithRetry(ctx, c, stale.DeepCopy(), grow, id)
	require.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
	require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx, c, stale.DeepCopy(), grow, id))
	got := group(t, c)
	assert.Equal(t, int32(1), got.Status.Size, "applied once")
	require.Len(t, got.Status.RequestLog, 1)
	assert.True(t, strings.HasPrefix(got.Status.RequestLog[0], "increase-1@"), got.Status.RequestLog[0])
	assert.Empty(t, got.Annotations[conflict.RequestLogAnnotation], "a status write keeps its ID in the status")

	before := writes.Load()
	require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx, c, got.DeepCopy(), grow, id))
	assert.Equal(t, before, writes.Load(), "a retry from a current copy costs no write")

	require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx, c, got.DeepCopy(), grow, conflict.WithRequestID("increase-2")))
	assert.Equal(t, int32(2), group(t, c).Status.Size, "another request is applied")
}

// UpdateGroupStatusFrom records the ID too: retried, the merged write is
// not made again.
func TestGroupStatusFromRecordsTheRequestID(t *testing.T) {
	c, writes := lossyStatus(t)
	ctx := context.Background()
	original := group(t, c)
	edit := func() *infrav1alpha1.Group {
		m := original.DeepCopy()
		m.Status.ReadyNodes = append(m.Status.ReadyNodes, "n1")
		return m
	}
	id := conflict.WithRequestID("ready-n1")
	require.ErrorIs(t, helpers.UpdateGroupStatusFrom(ctx, c, original.DeepCopy(), edit(), id), conflict.ErrOutcomeUnknown)
	modified := edit()
	require.NoError(t, helpers.UpdateGroupStatusFrom(ctx, c, original.DeepCopy(), modified, id))
	got := group(t, c)
	assert.Equal(t, []string{"n1"}, got.Status.ReadyNodes)
	assert.Len(t, got.Status.RequestLog, 1)
	assert.Equal(t, got.ResourceVersion, modified.ResourceVersion, "modified holds the object as read")
	assert.Equal(t, int32(2), writes.Load(), "the lost write and the retry's first, which conflicted")
}

// The Node has no status request log: its status helper given a request
// ID fails at once, saying which marker is missing, and touches nothing.
func TestNodeStatusWithARequestIDFailsAtOnce(t *testing.T) {
	c, writes := lossyStatus(t)
	err := helpers.UpdateNodeStatusWithRetry(context.Background(), c, newNode("n1"), func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressStartingUp
		return nil
	}, conflict.WithRequestID("r"))
	require.ErrorIs(t, err, conflict.ErrNoStatusRequestLog)
	assert.Contains(t, err.Error(), "+conflict:requestLog=")
	assert.Zero(t, writes.Load())
}
