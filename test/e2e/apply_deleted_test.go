package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// TestApplyObjectDeleted: an apply through an obj from an earlier answer
// (or a read) of an object deleted since, and not created again, does
// not create it again: the API server refuses the apply, whose uid names
// the deleted object, and the error is conflict.ErrObjectDeleted, a
// NotFound to apierrors.IsNotFound, after that one request. Nothing is
// created; an apply by name creates the object (ApplyNode) or is NotFound
// (ApplyNodeStatus, which creates nothing). A no-op through this
// process's answer sends nothing and succeeds, as the trust rule says.
func TestApplyObjectDeleted(t *testing.T) {
	const name = "apply-deleted"
	var wire load.Counter
	c := countedClient(t, &wire)
	opt := conflict.WithFieldOwner("deleted")
	createNode(t, c, name)
	status := byName(name)
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, status, func(n *infrav1alpha1.Node) error {
		meta.SetStatusCondition(&n.Status.Conditions, condition("Ready", "Up", "up"))
		return nil
	}, opt))
	// The process's last write to the object: its answer is trusted.
	obj := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt))
	require.NoError(t, c.Delete(ctx(t), getNode(t, c, name)))

	missing := func(t *testing.T, err error, op string) {
		t.Helper()
		require.Error(t, err, op)
		assert.ErrorIs(t, err, conflict.ErrObjectDeleted, op)
		assert.True(t, apierrors.IsNotFound(err), "%s: apierrors.IsNotFound(%v)", op, err)
		assert.False(t, apierrors.IsConflict(err), "%s: no conflict to retry", op)
		assert.Contains(t, err.Error(), name, op)
		got := &infrav1alpha1.Node{}
		assert.True(t, apierrors.IsNotFound(c.Get(ctx(t), client.ObjectKey{Name: name}, got)), "%s: nothing created", op)
	}
	// No change through this process's answer: nothing to send, and the
	// process has not seen the deletion (the trust rule).
	requests := wire.Requests()
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt))
	assert.Equal(t, int64(0), wire.Requests()-requests, "a no-op through the answer sends nothing")

	missing(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(6), opt), "ApplyNode")
	assert.Equal(t, int64(1), wire.Requests()-requests-1, "ApplyNode: one request, not retried (and the test's read)")

	requests = wire.Requests()
	missing(t, helpers.ApplyNodeStatus(ctx(t), c, status, func(n *infrav1alpha1.Node) error {
		meta.SetStatusCondition(&n.Status.Conditions, condition("Ready", "Down", "gone"))
		return nil
	}, opt), "ApplyNodeStatus")
	assert.Equal(t, int64(1), wire.Requests()-requests-1, "ApplyNodeStatus: one request, not retried (and the test's read)")

	// A caller's own copy (not this process's answer) of the deleted
	// object: the same.
	other := newClient(t)
	missing(t, helpers.ApplyNode(ctx(t), other, obj.DeepCopy(), setPricing(7), opt), "ApplyNode through another process")

	// By name: ApplyNodeStatus reads, finds nothing and creates nothing;
	// ApplyNode creates the object.
	err := helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		meta.SetStatusCondition(&n.Status.Conditions, condition("Ready", "Up", "up"))
		return nil
	}, opt)
	assert.True(t, apierrors.IsNotFound(err), "ApplyNodeStatus by name: %v", err)
	fresh := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, fresh, func(n *infrav1alpha1.Node) error {
		n.Spec = infrav1alpha1.NodeSpec{DesiredPowerState: infrav1alpha1.PowerStateOff, GroupRef: "g1", Pricing: 8}
		return nil
	}, opt))
	t.Cleanup(func() { deleteLater(fresh) })
	got := getNode(t, c, name)
	assert.Equal(t, int64(8), got.Spec.Pricing)
	assert.NotEqual(t, obj.UID, got.UID, "a new object")
}
