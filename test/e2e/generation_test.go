package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
)

// TestGenerationFollowsTheSpecOnly: the API server bumps
// metadata.generation for a spec change and not for a status write.
func TestGenerationFollowsTheSpecOnly(t *testing.T) {
	c := newClient(t)
	n := createNode(t, c, "generation")
	require.Equal(t, int64(1), n.Generation)

	require.NoError(t, helpers.UpdateNodeWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
		n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOn
		return nil
	}))
	assert.Equal(t, int64(2), n.Generation, "a spec change bumps the generation")

	require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressStartingUp
		helpers.SetNodeObservedGeneration(n)
		return nil
	}))
	assert.Equal(t, int64(2), n.Generation, "a status write does not")
	assert.Equal(t, int64(2), getNode(t, c, "generation").Status.ObservedGeneration)
}

// reconcileNode is the shape of a reconciler built on the generated
// helpers: skip what was observed, else write the whole status once.
func reconcileNode(t *testing.T, c client.Client, name string) {
	t.Helper()
	n := getNode(t, c, name)
	if !helpers.NodeNeedsReconcile(n) {
		return
	}
	require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
		n.Status.PowerState = n.Spec.DesiredPowerState
		n.Status.Progress = infrav1alpha1.ProgressReady
		helpers.SetNodeCondition(n, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "PowerStateReached"})
		helpers.SetNodeObservedGeneration(n)
		return nil
	}))
}

// TestReconcileLoopReachesAStableStateWithoutExtraWrites counts the
// writes that reach the server: one status write per observed generation,
// none once the status is current, however often the loop runs.
func TestReconcileLoopReachesAStableStateWithoutExtraWrites(t *testing.T) {
	proxy := env.StartProxy()
	defer proxy.Close()
	c, err := env.NewClient(proxy.Config())
	require.NoError(t, err)
	createNode(t, c, "stable")
	proxy.Writes()

	for range 5 {
		reconcileNode(t, c, "stable")
	}
	writes := proxy.Writes()
	require.Len(t, writes, 1, "one status write for generation 1, then nothing")
	assert.Contains(t, writes[0].Path, "/status")

	n := getNode(t, c, "stable")
	assert.False(t, helpers.NodeNeedsReconcile(n))
	ready := n.Status.Conditions[0]
	assert.Equal(t, int64(1), ready.ObservedGeneration, "the condition is stamped with the generation it describes")

	// The same condition again changes nothing, so nothing is written.
	require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
		helpers.SetNodeCondition(n, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "PowerStateReached"})
		return nil
	}))
	assert.Empty(t, proxy.Writes(), "an unchanged condition writes nothing")

	// A spec change: one spec write, one status write, then stable again.
	require.NoError(t, helpers.UpdateNodeWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
		n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOn
		return nil
	}))
	for range 5 {
		reconcileNode(t, c, "stable")
	}
	assert.Len(t, proxy.Writes(), 2, "the spec write and one status write")
	n = getNode(t, c, "stable")
	assert.Equal(t, int64(2), n.Status.ObservedGeneration)
	assert.Equal(t, infrav1alpha1.PowerStateOn, n.Status.PowerState)
	assert.Equal(t, ready.LastTransitionTime, n.Status.Conditions[0].LastTransitionTime,
		"Ready stayed True, so its transition time did not move")
}
