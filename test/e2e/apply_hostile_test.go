package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// TestApplyGroupCreatesWithZeroRequiredFields: ApplyX creates the object
// when it does not exist, owning what mutate set. A Group whose required
// minSize and targetSize are 0 (the Go zero value, which the empty object
// mutate runs on already holds) cannot be created: the fields are no
// change, so not sent, and the API server refuses the object without them.
func TestApplyGroupCreatesWithZeroRequiredFields(t *testing.T) {
	const name = "apply-hostile-group-zero"
	c := newClient(t)
	g := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}}
	t.Cleanup(func() { deleteLater(g) })
	err := helpers.ApplyGroup(ctx(t), c, g, func(g *infrav1alpha1.Group) error {
		g.Spec.MinSize, g.Spec.MaxSize, g.Spec.TargetSize = 0, 3, 0
		return nil
	}, conflict.WithFieldOwner("hostile-zero"))
	require.NoError(t, err)
	got := &infrav1alpha1.Group{}
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: name}, got))
	assert.Equal(t, int32(3), got.Spec.MaxSize)
}

// TestApplyNoOpMutateOnMissingObject: ApplyX creates the object when it
// does not exist. A mutate that sets nothing (or only zero values) on a
// missing object is taken for a no-op: the call returns nil, no object
// exists, and obj holds an empty object that no server answered.
func TestApplyNoOpMutateOnMissingObject(t *testing.T) {
	const name = "apply-hostile-missing-noop"
	c := newClient(t)
	n := byName(name)
	t.Cleanup(func() { deleteLater(n) })
	err := helpers.ApplyNode(ctx(t), c, n, func(*infrav1alpha1.Node) error { return nil }, conflict.WithFieldOwner("hostile-missing"))
	if err == nil {
		got := &infrav1alpha1.Node{}
		assert.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: name}, got), "ApplyNode returned nil: the object must exist")
		assert.NotEmpty(t, n.UID, "obj holds the object as stored")
	}
}
