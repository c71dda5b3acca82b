package v1alpha1_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
)

// TestFakeClientLeavesGenerationToTheTest holds what the README's section
// on unit tests says: controller-runtime's fake client does not set or
// bump metadata.generation as the API server does, so an object created
// without one never needs a reconcile, and a test that wants one sets the
// generation itself, in the fixture and on a spec change.
func TestFakeClientLeavesGenerationToTheTest(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	require.NoError(t, infrav1alpha1.AddToScheme(scheme))
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithStatusSubresource(&infrav1alpha1.Node{}).
		WithObjects(newNode("plain")).
		Build()

	plain := &infrav1alpha1.Node{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Name: "plain"}, plain))
	assert.Equal(t, int64(0), plain.Generation, "the fake client sets no generation")
	assert.False(t, helpers.NodeNeedsReconcile(plain), "so a reconciler gated on it does nothing")

	plain.Spec.GroupRef = "other"
	require.NoError(t, c.Update(ctx, plain))
	assert.Equal(t, int64(0), plain.Generation, "nor bumps it on a spec change")

	fixture := newNode("fixture")
	fixture.Generation = 1
	require.NoError(t, c.Create(ctx, fixture))
	got := &infrav1alpha1.Node{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Name: "fixture"}, got))
	assert.Equal(t, int64(1), got.Generation, "a generation the test sets is kept")
	assert.True(t, helpers.NodeNeedsReconcile(got))

	require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx, c, got, func(n *infrav1alpha1.Node) error {
		helpers.SetNodeObservedGeneration(n)
		return nil
	}))
	assert.False(t, helpers.NodeNeedsReconcile(got))

	got.Spec.GroupRef = "other"
	got.Generation++ // what the API server does on a spec change
	require.NoError(t, c.Update(ctx, got))
	require.NoError(t, c.Get(ctx, client.ObjectKey{Name: "fixture"}, got))
	assert.Equal(t, int64(2), got.Generation, "a generation the test bumps is kept")
	assert.True(t, helpers.NodeNeedsReconcile(got))
}
