package v1alpha1_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/zz_generated/internal/aliasing"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// staleRead returns a copy of the Node as a writer read it, then lets
// another writer change the server's copy.
func staleRead(t *testing.T, e *env, other func(*infrav1alpha1.Node)) *infrav1alpha1.Node {
	t.Helper()
	original := e.node(t, "n1")
	theirs := original.DeepCopy()
	other(theirs)
	spec := theirs.DeepCopy() // Update answers with the server's status
	require.NoError(t, e.client.Update(context.Background(), spec))
	theirs.ResourceVersion = spec.ResourceVersion
	require.NoError(t, e.client.Status().Update(context.Background(), theirs))
	e.calls.gets.Store(0)
	e.calls.updates.Store(0)
	e.calls.statusUpdates.Store(0)
	return original
}

func TestUpdateFromMergesAConcurrentChange(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	original := staleRead(t, e, func(n *infrav1alpha1.Node) { n.Spec.Pricing = 30 })
	modified := original.DeepCopy()
	modified.Spec.KubernetesNodeName = "worker-1"

	require.NoError(t, helpers.UpdateNodeFrom(context.Background(), e.client, original, modified, fastBackoff))
	assert.Equal(t, int32(2), e.calls.updates.Load(), "the stale write, then the merged one")
	assert.Equal(t, int32(1), e.calls.gets.Load(), "one read per conflict")
	got := e.node(t, "n1")
	assert.Equal(t, int64(30), got.Spec.Pricing, "their change kept")
	assert.Equal(t, "worker-1", got.Spec.KubernetesNodeName, "our change written")
	assert.Equal(t, got.ResourceVersion, modified.ResourceVersion, "modified holds the server's answer")
}

func TestUpdateFromStopsOnAStrictConflictAndWritesNothing(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	original := staleRead(t, e, func(n *infrav1alpha1.Node) { n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOn })
	before := e.node(t, "n1")
	modified := original.DeepCopy()
	modified.Spec.DesiredPowerState = "suspend"
	modified.Spec.Pricing = 99

	err := helpers.UpdateNodeFrom(context.Background(), e.client, original, modified, fastBackoff)
	var merr *conflict.MergeError
	require.ErrorAs(t, err, &merr)
	require.Len(t, merr.Conflicts, 1)
	assert.Equal(t, conflict.FieldConflict{Path: "spec.desiredPowerState",
		Base: infrav1alpha1.PowerStateOff, Current: infrav1alpha1.PowerStateOn, Desired: infrav1alpha1.PowerState("suspend")}, merr.Conflicts[0])
	assert.Equal(t, `merge conflict on spec.desiredPowerState (base off, current on, desired suspend)`, err.Error())
	assert.Equal(t, before, e.node(t, "n1"), "nothing written")
	assert.Equal(t, int32(1), e.calls.updates.Load(), "only the first, rejected, write")
}

func TestUpdateStatusFromMergesConditionsOfTwoWriters(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	original := staleRead(t, e, func(n *infrav1alpha1.Node) {
		meta.SetStatusCondition(&n.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Up"})
	})
	modified := original.DeepCopy()
	meta.SetStatusCondition(&modified.Status.Conditions, metav1.Condition{Type: "Progressing", Status: metav1.ConditionTrue, Reason: "Starting"})
	modified.Status.Progress = infrav1alpha1.ProgressStartingUp

	require.NoError(t, helpers.UpdateNodeStatusFrom(context.Background(), e.client, original, modified, fastBackoff))
	got := e.node(t, "n1")
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "Ready"), "their condition kept")
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "Progressing"), "our condition written")
	assert.Equal(t, infrav1alpha1.ProgressStartingUp, got.Status.Progress)
	assert.Equal(t, int32(0), e.calls.updates.Load(), "status writes only")
	assert.Equal(t, int32(2), e.calls.statusUpdates.Load())
}

func TestUpdateFromWithoutChangesWritesNothing(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	original := e.node(t, "n1")
	e.calls.gets.Store(0)
	require.NoError(t, helpers.UpdateNodeFrom(context.Background(), e.client, original, original.DeepCopy()))
	assert.Equal(t, int32(0), e.calls.updates.Load()+e.calls.gets.Load())
}

func TestUpdateFromWhenCurrentIsOneWriteNoRead(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	original := e.node(t, "n1")
	e.calls.gets.Store(0)
	modified := original.DeepCopy()
	modified.Spec.Pricing = 12
	require.NoError(t, helpers.UpdateNodeFrom(context.Background(), e.client, original, modified))
	assert.Equal(t, int32(1), e.calls.updates.Load())
	assert.Equal(t, int32(0), e.calls.gets.Load())
	assert.Equal(t, int64(12), e.node(t, "n1").Spec.Pricing)
}

func TestMergeNodeMaxTime(t *testing.T) {
	base := newNode("n1")
	current, desired := base.DeepCopy(), base.DeepCopy()
	current.Status.LastStartupTime = &t2
	desired.Status.LastStartupTime = &t1
	got, err := helpers.MergeNode(base, current, desired)
	require.NoError(t, err)
	assert.Equal(t, t2, *got.Status.LastStartupTime, "+conflict:merge=max on a *metav1.Time")
	assert.NotSame(t, current.Status.LastStartupTime, got.Status.LastStartupTime)
}

// TestMergeGroupSharesNothing takes every reference field from each side
// in turn: the result must own all of its memory.
func TestMergeGroupSharesNothing(t *testing.T) {
	newGroup := func() *infrav1alpha1.Group {
		return &infrav1alpha1.Group{
			ObjectMeta: metav1.ObjectMeta{Name: "g1", ResourceVersion: "1", Labels: map[string]string{"a": "1"},
				Finalizers: []string{"f"}, OwnerReferences: []metav1.OwnerReference{{UID: "o1", Name: "owner"}}},
			Spec: infrav1alpha1.GroupSpec{Policy: infrav1alpha1.GroupPolicy{
				ScaleDownUnneededTime: &metav1.Duration{Duration: 1}, MaxNodeProvisionTime: &metav1.Duration{Duration: 2}}},
			Status: infrav1alpha1.GroupStatus{ReadyNodes: []string{"n1"}, Conditions: []metav1.Condition{{Type: "Ready", Status: "True"}}},
		}
	}
	for _, side := range []string{"current", "desired", "both"} {
		base := newGroup()
		current, desired := base.DeepCopy(), base.DeepCopy()
		changed := desired
		if side == "current" {
			changed = current
		}
		changed.Labels["b"] = "2"
		changed.Spec.Policy.ScaleDownUnneededTime.Duration = 3
		changed.Status.ReadyNodes = append(changed.Status.ReadyNodes, "n2")
		changed.Status.Conditions = append(changed.Status.Conditions, metav1.Condition{Type: "Synced", Status: "True"})
		if side == "both" {
			current.Spec.Policy.MaxNodeProvisionTime.Duration = 4
			current.OwnerReferences = append(current.OwnerReferences, metav1.OwnerReference{UID: "o2"})
		}
		got, err := helpers.MergeGroup(base, current, desired)
		require.NoError(t, err)
		assert.Empty(t, aliasing.Shared(got, base, current, desired), "changed on %s", side)
	}
}
