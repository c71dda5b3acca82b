package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
