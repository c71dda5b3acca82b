package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// Hostile cases of the server-side apply helpers on the real API server.

// TestApplyReplacedObjectNoOpOnOldCopy: the README promises that an obj
// naming an object deleted and created again since fails with
// ErrObjectReplaced and nothing is written into the new object. Here the
// caller's obj (a plain read, not this process's apply answer) is of the
// old incarnation and already holds the value mutate sets: the change is
// empty on it, the helper confirms with a read, meets the new object and
// applies the mutation to it.
func TestApplyReplacedObjectNoOpOnOldCopy(t *testing.T) {
	const name = "apply-hostile-replaced-noop"
	c := newClient(t)
	createNode(t, c, name)
	n := getNode(t, c, name)
	n.Spec.Pricing = 5
	require.NoError(t, c.Update(ctx(t), n))
	old := getNode(t, c, name) // the old incarnation, Pricing 5
	require.NoError(t, c.Delete(ctx(t), old.DeepCopy()))
	fresh := createNode(t, c, name)

	err := helpers.ApplyNode(ctx(t), newClient(t), old, setPricing(5), conflict.WithFieldOwner("hostile-replaced"))
	got := getNode(t, c, name)
	assert.Equal(t, fresh.ResourceVersion, got.ResourceVersion, "nothing written into the new object (Pricing %d)", got.Spec.Pricing)
	assert.ErrorIs(t, err, conflict.ErrObjectReplaced)
}

// TestApplyForcedAfterUnforcedKeepsOwnedFields: the README promises that
// the applies of one process to one object by one field manager go one at
// a time, each built on the answer to the previous one, and that an obj
// older than this process's last apply of it is never used over that
// answer. A forced apply of the same manager is kept apart from the
// unforced ones: through an obj from before the unforced apply it sends
// the manager's fields as that old obj knew them, and the API server
// removes the field the unforced apply set.
func TestApplyForcedAfterUnforcedKeepsOwnedFields(t *testing.T) {
	const name = "apply-hostile-force-mix"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("hostile-force-mix")
	first := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, first, setPricing(3), opt))
	stale := first.DeepCopy()
	require.NoError(t, helpers.ApplyNode(ctx(t), c, first, func(n *infrav1alpha1.Node) error {
		n.Spec.KubernetesNodeName = "kept"
		return nil
	}, opt))

	require.NoError(t, helpers.ApplyNode(ctx(t), c, stale, func(n *infrav1alpha1.Node) error {
		n.Labels = map[string]string{"forced": "yes"}
		return nil
	}, opt, conflict.WithForceOwnership()))
	got := getNode(t, c, name)
	assert.Equal(t, "yes", got.Labels["forced"])
	assert.Equal(t, int64(3), got.Spec.Pricing)
	assert.Equal(t, "kept", got.Spec.KubernetesNodeName, "the field the unforced apply set is still there")
}
