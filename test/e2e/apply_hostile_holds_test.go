package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// Promises of the server-side apply helpers that hold against a hostile
// caller, on the real API server.

// TestApplyConditionsOfTwoManagers: two managers each own their own
// conditions; one changes its condition, adds another, then removes one:
// the other manager's condition stays, the removed one is gone.
func TestApplyConditionsOfTwoManagers(t *testing.T) {
	const name = "apply-hostile-conditions"
	c := newClient(t)
	createNode(t, c, name)
	mine, theirs := conflict.WithFieldOwner("cond-mine"), conflict.WithFieldOwner("cond-theirs")
	set := func(cs ...metav1.Condition) func(*infrav1alpha1.Node) error {
		return func(n *infrav1alpha1.Node) error {
			for _, cd := range cs {
				helpers.SetNodeCondition(n, cd)
			}
			return nil
		}
	}
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), set(condition("Theirs", "T", "t")), theirs))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), set(condition("Ready", "R", "r")), mine))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name),
		set(condition("Ready", "R", "changed"), condition("Progressing", "P", "p")), mine))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		meta.RemoveStatusCondition(&n.Status.Conditions, "Progressing")
		return nil
	}, mine))
	got := getNode(t, c, name)
	assert.Nil(t, meta.FindStatusCondition(got.Status.Conditions, "Progressing"), "removed")
	if r := meta.FindStatusCondition(got.Status.Conditions, "Ready"); assert.NotNil(t, r) {
		assert.Equal(t, "changed", r.Message)
	}
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "Theirs"), "the other manager's condition stays")

	// Removing the other manager's condition cannot be expressed.
	err := helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		meta.RemoveStatusCondition(&n.Status.Conditions, "Theirs")
		return nil
	}, mine)
	assert.ErrorIs(t, err, conflict.ErrNotOwned)
}

// TestApplyMetadata: labels (one with an empty value), annotations,
// finalizers and ownerReferences set through ApplyNode are stored and
// owned; cleared by the same manager, they are removed.
func TestApplyMetadata(t *testing.T) {
	const name = "apply-hostile-metadata"
	c := newClient(t)
	owner := createNode(t, c, "apply-hostile-metadata-owner")
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("meta-applier")
	ref := metav1.OwnerReference{APIVersion: "infra.homelab-autoscaler.dev/v1alpha1", Kind: "Node", Name: owner.Name, UID: owner.UID}
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Labels = map[string]string{"empty": ""}
		n.Annotations = map[string]string{"note": "héllo"}
		n.Finalizers = append(n.Finalizers, "example.com/hold")
		n.OwnerReferences = append(n.OwnerReferences, ref)
		return nil
	}, opt))
	got := getNode(t, c, name)
	v, ok := got.Labels["empty"]
	assert.True(t, ok && v == "", "label with an empty value: %v", got.Labels)
	assert.Equal(t, "héllo", got.Annotations["note"])
	assert.Equal(t, []string{"example.com/hold"}, got.Finalizers)
	require.Len(t, got.OwnerReferences, 1)
	assert.Equal(t, owner.UID, got.OwnerReferences[0].UID)

	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Labels, n.Annotations, n.Finalizers, n.OwnerReferences = nil, nil, nil, nil
		return nil
	}, opt))
	got = getNode(t, c, name)
	assert.Empty(t, got.Labels)
	assert.Empty(t, got.Annotations)
	assert.Empty(t, got.Finalizers)
	assert.Empty(t, got.OwnerReferences)
}

// TestApplyMutateAppliesTheSameObject: a mutate that itself applies the
// same object by the same manager (another field) does not deadlock, and
// neither field is lost.
func TestApplyMutateAppliesTheSameObject(t *testing.T) {
	const name = "apply-hostile-reentrant"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("reentrant")
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 4
		return helpers.ApplyNode(ctx(t), c, byName(name), func(inner *infrav1alpha1.Node) error {
			inner.Spec.KubernetesNodeName = "inner"
			return nil
		}, opt)
	}, opt))
	got := getNode(t, c, name)
	assert.Equal(t, int64(4), got.Spec.Pricing)
	assert.Equal(t, "inner", got.Spec.KubernetesNodeName)
}

// TestApplyGroupSendsNoZeroValues: Group's spec holds non-omitempty
// integers and a non-pointer nested struct. An apply that sets one field
// of an existing Group owns that field alone: no zero minSize, targetSize
// or empty policy is sent, and clearing its own field later removes it
// and leaves the creator's values (and the defaulted scaleDown).
func TestApplyGroupSendsNoZeroValues(t *testing.T) {
	const name = "apply-hostile-group-nozero"
	c := newClient(t)
	createGroup(t, c, name, 2, 5)
	opt := conflict.WithFieldOwner("hostile-nozero")
	g := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}}
	require.NoError(t, helpers.ApplyGroup(ctx(t), c, g, func(g *infrav1alpha1.Group) error {
		g.Spec.Policy.MaxNodeProvisionTime = &metav1.Duration{Duration: time.Minute}
		return nil
	}, opt))
	var owned string
	for _, e := range g.ManagedFields {
		if e.Manager == "hostile-nozero" {
			owned = string(e.FieldsV1.Raw)
		}
	}
	assert.JSONEq(t, `{"f:spec":{"f:policy":{"f:maxNodeProvisionTime":{}}}}`, owned)
	assert.Equal(t, int32(2), g.Spec.TargetSize)
	assert.Equal(t, int32(5), g.Spec.MaxSize)

	require.NoError(t, helpers.ApplyGroup(ctx(t), c, g, func(g *infrav1alpha1.Group) error {
		g.Spec.Policy.MaxNodeProvisionTime = nil
		return nil
	}, opt))
	assert.Nil(t, g.Spec.Policy.MaxNodeProvisionTime)
	assert.Equal(t, infrav1alpha1.ScaleDownCheapestLast, g.Spec.Policy.ScaleDown, "the defaulted field stays")
	assert.Equal(t, int32(2), g.Spec.TargetSize)
}
