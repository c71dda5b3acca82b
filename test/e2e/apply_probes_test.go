package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// Apply rules under the uses an operator author may not think of: each
// held when first tried, and is kept so that it stays so.

// TestApplyProbeRecreatedSameContentByName: delete and create again with the
// same content; the same apply by name is sent and owns the field again.
func TestApplyProbeRecreatedSameContentByName(t *testing.T) {
	const name = "probe-recreated"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("rec")
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(5), opt))
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(5), opt))
	require.NoError(t, c.Delete(ctx(t), getNode(t, c, name)))
	createNode(t, c, name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(5), opt))
	got := getNode(t, c, name)
	assert.Equal(t, int64(5), got.Spec.Pricing)
	assert.Contains(t, managedBy(got, "rec", metav1.ManagedFieldsOperationApply, ""), "f:pricing")
}

// TestApplyProbeClearThenSetBackAndZero: a field owned, cleared (removed), set
// back, then set to its zero value (omitempty: a clear).
func TestApplyProbeClearThenSetBackAndZero(t *testing.T) {
	const name = "probe-clear-back"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("cb")
	obj := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt))
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(0), opt))
	assert.Equal(t, int64(0), getNode(t, c, name).Spec.Pricing)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt))
	assert.Equal(t, int64(5), getNode(t, c, name).Spec.Pricing)
	// In one mutate: clear and set back is no change.
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 0
		n.Spec.Pricing = 5
		return nil
	}, opt))
	assert.Equal(t, int64(5), getNode(t, c, name).Spec.Pricing)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(0), opt))
	got := getNode(t, c, name)
	assert.Equal(t, int64(0), got.Spec.Pricing)
	assert.NotContains(t, managedBy(got, "cb", metav1.ManagedFieldsOperationApply, ""), "f:pricing")
}

// TestApplyProbeConditionRemovedThenReAdded: a list-map element removed, then
// added again, through the answers and by name.
func TestApplyProbeConditionRemovedThenReAdded(t *testing.T) {
	const name = "probe-cond-readd"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("cond")
	obj := byName(name)
	set := func(typ string) func(*infrav1alpha1.Node) error {
		return func(n *infrav1alpha1.Node) error { helpers.SetNodeCondition(n, condition(typ, "R", "m")); return nil }
	}
	remove := func(typ string) func(*infrav1alpha1.Node) error {
		return func(n *infrav1alpha1.Node) error { meta.RemoveStatusCondition(&n.Status.Conditions, typ); return nil }
	}
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, obj, set("X"), opt))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, obj, set("Y"), opt))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, obj, remove("X"), opt))
	assert.Nil(t, meta.FindStatusCondition(getNode(t, c, name).Status.Conditions, "X"))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, obj, set("X"), opt))
	assert.NotNil(t, meta.FindStatusCondition(getNode(t, c, name).Status.Conditions, "X"))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), remove("X"), opt))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), set("X"), opt))
	got := getNode(t, c, name)
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "X"))
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "Y"))
}

// TestApplyProbeStatusClearedByAnotherWriter: another writer's UpdateStatus
// clears the status; ApplyNodeStatus by name writes it again.
func TestApplyProbeStatusClearedByAnotherWriter(t *testing.T) {
	const name = "probe-status-cleared"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("st")
	set := func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressReady
		helpers.SetNodeCondition(n, condition("Ready", "R", "m"))
		return nil
	}
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), set, opt))
	n := getNode(t, c, name)
	n.Status = infrav1alpha1.NodeStatus{}
	require.NoError(t, newClient(t).Status().Update(ctx(t), n, client.FieldOwner("wiper")))
	require.Empty(t, getNode(t, c, name).Status.Conditions)
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), set, opt))
	got := getNode(t, c, name)
	assert.Equal(t, infrav1alpha1.ProgressReady, got.Status.Progress)
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "Ready"))
}

// TestApplyProbeApplyByNameRacingADelete: the object is deleted between the
// read and the apply (inside mutate). ApplyNode by name starts over and
// creates it; ApplyNodeStatus by name is NotFound.
func TestApplyProbeApplyByNameRacingADelete(t *testing.T) {
	const name = "probe-race-delete"
	c := newClient(t)
	other := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("race")
	var once sync.Once
	calls := 0
	err := helpers.ApplyNode(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		calls++
		once.Do(func() { require.NoError(t, other.Delete(ctx(t), getNode(t, other, name))) })
		n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOff
		n.Spec.GroupRef = "g1"
		n.Spec.Pricing = 4
		return nil
	}, opt)
	require.NoError(t, err)
	got := getNode(t, c, name)
	assert.Equal(t, int64(4), got.Spec.Pricing)
	assert.Equal(t, 2, calls, "mutate ran on the old object, then on the empty one")

	var once2 sync.Once
	err = helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		once2.Do(func() { require.NoError(t, other.Delete(ctx(t), getNode(t, other, name))) })
		n.Status.Progress = infrav1alpha1.ProgressReady
		return nil
	}, opt)
	assert.True(t, apierrors.IsNotFound(err), "ApplyNodeStatus by name on a deleted object: %v", err)
	assert.True(t, apierrors.IsNotFound(c.Get(ctx(t), client.ObjectKey{Name: name}, &infrav1alpha1.Node{})), "nothing created")
}

// TestApplyProbeForceThenRepeat: force takes a field, the repeat is a no-op,
// the other manager's plain apply then conflicts.
func TestApplyProbeForceThenRepeat(t *testing.T) {
	const name = "probe-force-repeat"
	var wire load.Counter
	c := countedClient(t, &wire)
	createNode(t, c, name)
	a, b := conflict.WithFieldOwner("fa"), conflict.WithFieldOwner("fb")
	require.NoError(t, helpers.ApplyNode(ctx(t), newClient(t), byName(name), setPricing(5), b))
	obj := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(6), a, conflict.WithForceOwnership()))
	requests := wire.Requests()
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(6), a, conflict.WithForceOwnership()))
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(6), a))
	assert.Equal(t, int64(0), wire.Requests()-requests)
	err := helpers.ApplyNode(ctx(t), newClient(t), byName(name), setPricing(5), b)
	var owned *conflict.OwnershipError
	assert.ErrorAs(t, err, &owned)
}

// TestApplyProbeEightConditionsWhileAnotherManagerUpdates: 8 goroutines of one
// manager each set a different condition (10 times, with a message that
// changes), while another manager updates status.count with
// UpdateNodeStatusWithRetry. Nothing lost, no 409 for the applies.
func TestApplyProbeEightConditionsWhileAnotherManagerUpdates(t *testing.T) {
	const name = "probe-eight"
	var wire load.Counter
	c := countedClient(t, &wire)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("eight")
	upd := newClient(t)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				errs <- helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
					helpers.SetNodeCondition(n, condition(fmt.Sprintf("C%d", g), "R", fmt.Sprintf("m%d", i)))
					return nil
				}, opt)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			errs <- helpers.UpdateNodeStatusWithRetry(ctx(t), upd, byName(name), func(n *infrav1alpha1.Node) error {
				n.Status.Count++
				return nil
			}, conflict.WithFieldOwner("counter"))
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	got := getNode(t, c, name)
	assert.Equal(t, int64(20), got.Status.Count)
	for g := range 8 {
		cnd := meta.FindStatusCondition(got.Status.Conditions, fmt.Sprintf("C%d", g))
		if assert.NotNil(t, cnd, "C%d", g) {
			assert.Equal(t, "m9", cnd.Message, "C%d", g)
		}
	}
	assert.Equal(t, int64(0), wire.Conflicts(), "no 409 for the applies")
}

// TestApplyProbeStrippedManagedFields: another client strips managedFields with
// an Update (managedFields: [{}]). The next apply of a changed value is
// the typed ownership error naming "before-first-apply" (the server's
// owner of every field of an object without managedFields), nothing
// written; clearing the field afterwards is taken for clearing a default
// and changes nothing, as the README's limits say.
func TestApplyProbeStrippedManagedFields(t *testing.T) {
	const name = "probe-stripped"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("strip")
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(5), opt))
	n := getNode(t, c, name)
	n.ManagedFields = []metav1.ManagedFieldsEntry{{}}
	require.NoError(t, newClient(t).Update(ctx(t), n))
	require.Empty(t, getNode(t, c, name).ManagedFields)
	err := helpers.ApplyNode(ctx(t), c, byName(name), setPricing(6), opt)
	var owned *conflict.OwnershipError
	require.ErrorAs(t, err, &owned)
	assert.Equal(t, []string{"before-first-apply"}, owned.Conflicts[0].Managers)
	assert.Equal(t, int64(5), getNode(t, c, name).Spec.Pricing)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(0), opt))
	assert.Equal(t, int64(5), getNode(t, c, name).Spec.Pricing, "documented limit: the clear is taken for a default's")
}

// TestApplyProbeContextCancelledDuringTheApply: the caller's context ends while
// its apply is held up on the way to the server; the outcome is unknown;
// applying again by name is safe and wins.
func TestApplyProbeContextCancelledDuringTheApply(t *testing.T) {
	c, proxy := proxied(t)
	const name = "probe-cancel"
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("cancel")
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(1), opt))
	proxy.Inject(&harness.Fault{Latency: time.Second, Count: 1})
	short, cancel := context.WithTimeout(ctx(t), 200*time.Millisecond)
	defer cancel()
	err := helpers.ApplyNode(short, c, byName(name), setPricing(2), opt)
	assert.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
	time.Sleep(1500 * time.Millisecond)
	t.Logf("pricing after the cancelled apply: %d", getNode(t, c, name).Spec.Pricing)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(1), opt))
	assert.Equal(t, int64(1), getNode(t, c, name).Spec.Pricing)
}
