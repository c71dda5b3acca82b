package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// The server-side apply helpers (ApplyNode, ApplyNodeStatus) on the real
// API server: the owned-fields rule, ownership conflicts, no-op applies,
// migration from Update and stale objects.

// countedClient is a new client of the shared server, as a separate
// process would have, whose requests c counts at the wire.
func countedClient(t *testing.T, c *load.Counter) client.Client {
	t.Helper()
	cl, err := env.NewClient(c.Wrap(env.Config()))
	require.NoError(t, err)
	return cl
}

// byName names a Node and nothing else.
func byName(name string) *infrav1alpha1.Node {
	return &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// managedBy returns the fields manager owns through operation op on
// subresource sub, as the API server's JSON.
func managedBy(n *infrav1alpha1.Node, manager string, op metav1.ManagedFieldsOperationType, sub string) string {
	for _, e := range n.ManagedFields {
		if e.Manager == manager && e.Operation == op && e.Subresource == sub && e.FieldsV1 != nil {
			return string(e.FieldsV1.Raw)
		}
	}
	return ""
}

func condition(typ, reason, message string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: reason, Message: message}
}

// TestApplyTwoProcessesDifferentFields is section 7's first case: two
// processes (two clients, each its own field manager) apply different
// status fields and different conditions of one object, 8 goroutines
// each, concurrently. Nothing is lost and no request gets a 409.
func TestApplyTwoProcessesDifferentFields(t *testing.T) {
	const name, goroutines, rounds = "apply-two-processes", 8, 5
	createNode(t, newClient(t), name)
	type process struct {
		owner   string
		counter load.Counter
		set     func(n *infrav1alpha1.Node, i, round int)
	}
	procs := []*process{
		{owner: "proc-a", set: func(n *infrav1alpha1.Node, i, round int) { n.Status.Count = int64(100 + round) }},
		{owner: "proc-b", set: func(n *infrav1alpha1.Node, i, round int) { n.Status.ObservedGeneration = int64(200 + round) }},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines*rounds)
	for _, p := range procs {
		c := countedClient(t, &p.counter)
		for i := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := range rounds {
					errs <- helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
						p.set(n, i, round)
						helpers.SetNodeCondition(n, condition(fmt.Sprintf("%s-%d", p.owner, i), "Round", fmt.Sprint(round)))
						return nil
					}, conflict.WithFieldOwner(p.owner))
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got := getNode(t, newClient(t), name)
	for _, p := range procs {
		assert.Zero(t, p.counter.Conflicts(), "%s: no 409 at the wire", p.owner)
		for i := range goroutines {
			c := meta.FindStatusCondition(got.Status.Conditions, fmt.Sprintf("%s-%d", p.owner, i))
			if assert.NotNil(t, c, "%s's condition %d", p.owner, i) {
				assert.Equal(t, fmt.Sprint(rounds-1), c.Message, "%s's condition %d holds its last round", p.owner, i)
			}
		}
		t.Logf("%s: %d requests for %d applies", p.owner, p.counter.Requests(), goroutines*rounds)
	}
	assert.Len(t, got.Status.Conditions, 2*goroutines)
	assert.Equal(t, int64(100+rounds-1), got.Status.Count)
	assert.Equal(t, int64(200+rounds-1), got.Status.ObservedGeneration)
	assert.Contains(t, managedBy(got, "proc-a", metav1.ManagedFieldsOperationApply, "status"), `"f:count"`)
	assert.Contains(t, managedBy(got, "proc-b", metav1.ManagedFieldsOperationApply, "status"), `"f:observedGeneration"`)
}

// TestApplyOwnershipConflict: a second manager setting a field the first
// owns gets a typed error naming the field and its manager, which is a
// Conflict for apierrors, after one request (never retried); nothing is
// written. With force, the field is taken.
func TestApplyOwnershipConflict(t *testing.T) {
	const name = "apply-ownership"
	c := newClient(t)
	createNode(t, c, name)
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressReady
		helpers.SetNodeCondition(n, condition("Ready", "Up", "first"))
		return nil
	}, conflict.WithFieldOwner("first")))
	before := getNode(t, c, name)

	var counter load.Counter
	other := countedClient(t, &counter)
	n := before.DeepCopy()
	err := helpers.ApplyNodeStatus(ctx(t), other, n, func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressFailed
		n.Status.PowerState = infrav1alpha1.PowerStateOn
		helpers.SetNodeCondition(n, condition("Ready", "Down", "second"))
		return nil
	}, conflict.WithFieldOwner("second"))
	var owned *conflict.OwnershipError
	require.ErrorAs(t, err, &owned)
	assert.True(t, apierrors.IsConflict(err), "an ownership conflict is a Conflict for apierrors")
	fields := map[string][]string{}
	for _, c := range owned.Conflicts {
		fields[c.Field] = c.Managers
	}
	assert.Equal(t, []string{"first"}, fields[".status.progress"], "the field and its manager: %v", err)
	assert.Contains(t, err.Error(), ".status.progress")
	assert.Equal(t, int64(1), counter.Requests(), "one request: an ownership conflict is not retried")
	assert.Equal(t, int64(1), counter.Conflicts())
	after := getNode(t, c, name)
	assert.Equal(t, before.ResourceVersion, after.ResourceVersion, "nothing was written")
	assert.Equal(t, before.Status, after.Status)

	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), other, n, func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressFailed
		helpers.SetNodeCondition(n, condition("Ready", "Down", "second"))
		return nil
	}, conflict.WithFieldOwner("second"), conflict.WithForceOwnership()))
	after = getNode(t, c, name)
	assert.Equal(t, infrav1alpha1.ProgressFailed, after.Status.Progress, "force takes the field")
	assert.Equal(t, "second", meta.FindStatusCondition(after.Status.Conditions, "Ready").Message)
	assert.NotContains(t, managedBy(after, "first", metav1.ManagedFieldsOperationApply, "status"), "f:progress")
	assert.Contains(t, managedBy(after, "second", metav1.ManagedFieldsOperationApply, "status"), "f:progress")
}

// TestApplyRemovesOwnedField: a field the manager owned that mutate
// clears is left out of the apply and the server removes it; one that
// another manager owns too stays. A field the manager does not own
// cannot be cleared: the call fails before any request.
func TestApplyRemovesOwnedField(t *testing.T) {
	const name = "apply-remove"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("remover")
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressReady
		n.Status.PowerState = infrav1alpha1.PowerStateOn
		helpers.SetNodeCondition(n, condition("Mine", "Set", ""))
		helpers.SetNodeCondition(n, condition("Kept", "Set", ""))
		return nil
	}, opt))
	// Another manager applies powerState with the same value (by hand:
	// ApplyNodeStatus sends only what mutate changes): co-owned.
	require.NoError(t, c.Status().Patch(ctx(t), byName(name), client.RawPatch(types.ApplyPatchType,
		[]byte(`{"apiVersion":"infra.homelab-autoscaler.dev/v1alpha1","kind":"Node","metadata":{"name":"`+name+`"},"status":{"powerState":"on","count":7}}`)),
		client.FieldOwner("co-owner")))
	require.Contains(t, managedBy(getNode(t, c, name), "co-owner", metav1.ManagedFieldsOperationApply, "status"), "f:powerState")

	n := byName(name)
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
		n.Status.Progress = ""
		n.Status.PowerState = ""
		meta.RemoveStatusCondition(&n.Status.Conditions, "Mine")
		return nil
	}, opt))
	got := getNode(t, c, name)
	assert.Empty(t, got.Status.Progress, "an owned field cleared by mutate is removed")
	assert.Nil(t, meta.FindStatusCondition(got.Status.Conditions, "Mine"), "an owned condition removed by mutate is removed")
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "Kept"))
	assert.Equal(t, infrav1alpha1.PowerStateOn, got.Status.PowerState, "a field another manager owns too stays")
	assert.Equal(t, got.ResourceVersion, n.ResourceVersion, "obj holds the answer")

	var counter load.Counter
	err := helpers.ApplyNodeStatus(ctx(t), countedClient(t, &counter), byName(name), func(n *infrav1alpha1.Node) error {
		n.Status.Count = 0
		return nil
	}, opt)
	require.ErrorIs(t, err, conflict.ErrNotOwned)
	assert.Contains(t, err.Error(), ".status.count")
	assert.Zero(t, counter.Writes(), "nothing was written")
	assert.Equal(t, int64(7), getNode(t, c, name).Status.Count)
}

// TestApplyNoOpCostsNothing: an apply whose fields already hold what it
// would send makes no request at all once this process has read or
// written the object, and repeated applies of an unchanged condition
// keep its lastTransitionTime (SetNodeCondition moves it only when the
// status changes).
func TestApplyNoOpCostsNothing(t *testing.T) {
	const name = "apply-noop"
	var counter load.Counter
	c := countedClient(t, &counter)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("noop")
	ready := func(status metav1.ConditionStatus) func(*infrav1alpha1.Node) error {
		return func(n *infrav1alpha1.Node) error {
			n.Status.Progress = infrav1alpha1.ProgressReady
			helpers.SetNodeCondition(n, metav1.Condition{Type: "Ready", Status: status, Reason: "Checked"})
			return nil
		}
	}
	n := byName(name)
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, n, ready(metav1.ConditionTrue), opt))
	first := meta.FindStatusCondition(getNode(t, c, name).Status.Conditions, "Ready").LastTransitionTime

	stale := getNode(t, newClient(t), name)
	stale.ResourceVersion = "1" // older than what this process holds
	before, reads := counter.Requests(), counter.Reads()
	for range 5 {
		require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, n, ready(metav1.ConditionTrue), opt))
		require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, stale.DeepCopy(), ready(metav1.ConditionTrue), opt))
	}
	assert.Equal(t, before, counter.Requests(), "a no-op apply costs zero requests")
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), ready(metav1.ConditionTrue), opt))
	assert.Equal(t, before+1, counter.Requests(), "by name: the read alone")
	assert.Equal(t, reads+1, counter.Reads())

	got := getNode(t, c, name)
	assert.Equal(t, first, meta.FindStatusCondition(got.Status.Conditions, "Ready").LastTransitionTime,
		"lastTransitionTime unchanged across repeated applies")

	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, n, ready(metav1.ConditionFalse), opt))
	got = getNode(t, c, name)
	assert.Equal(t, metav1.ConditionFalse, meta.FindStatusCondition(got.Status.Conditions, "Ready").Status,
		"a changed condition is applied")
}

// TestApplyMigratesFromUpdate: fields a manager wrote with Update are its
// own after its first apply, so that clearing one afterwards removes it
// instead of leaving it co-owned by the old Update entry.
func TestApplyMigratesFromUpdate(t *testing.T) {
	const name = "apply-migrate"
	c := newClient(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("switcher")
	require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressStartingUp
		n.Status.Count = 3
		helpers.SetNodeCondition(n, condition("Old", "Updated", ""))
		return nil
	}, opt))
	require.NotEmpty(t, managedBy(getNode(t, c, name), "switcher", metav1.ManagedFieldsOperationUpdate, "status"))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		helpers.SetNodeCondition(n, condition("Theirs", "Applied", ""))
		return nil
	}, conflict.WithFieldOwner("bystander")))

	// The first apply clears one of the fields written with Update.
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Status.PowerState = infrav1alpha1.PowerStateOn
		meta.RemoveStatusCondition(&n.Status.Conditions, "Old")
		return nil
	}, opt))
	got := getNode(t, c, name)
	assert.Empty(t, managedBy(got, "switcher", metav1.ManagedFieldsOperationUpdate, "status"), "the Update entry is gone")
	assert.Contains(t, managedBy(got, "switcher", metav1.ManagedFieldsOperationApply, "status"), "f:progress")
	assert.Nil(t, meta.FindStatusCondition(got.Status.Conditions, "Old"), "a condition written with Update, removed by the first apply, is gone")
	assert.NotNil(t, meta.FindStatusCondition(got.Status.Conditions, "Theirs"))
	assert.NotContains(t, managedBy(got, "switcher", metav1.ManagedFieldsOperationApply, "status"), "Theirs",
		"the list that held the removed condition is not applied whole")
	assert.Equal(t, int64(3), got.Status.Count, "migrating loses nothing")

	// A later apply clears another.
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Status.Progress = ""
		return nil
	}, opt))
	got = getNode(t, c, name)
	assert.Empty(t, got.Status.Progress, "a field written with Update before the switch, cleared after it, is gone")
	assert.Equal(t, int64(3), got.Status.Count)
	assert.Equal(t, infrav1alpha1.PowerStateOn, got.Status.PowerState)
}

// TestApplyThroughStaleObject: an apply needs no resourceVersion, so one
// made through an object another writer changed since succeeds at once,
// and keeps the other writer's change.
func TestApplyThroughStaleObject(t *testing.T) {
	const name = "apply-stale"
	var counter load.Counter
	c := countedClient(t, &counter)
	stale := createNode(t, c, name).DeepCopy()
	other := newClient(t)
	theirs := getNode(t, other, name)
	theirs.Spec.KubernetesNodeName = "elsewhere"
	require.NoError(t, other.Update(ctx(t), theirs))

	before := counter.Requests()
	require.NoError(t, helpers.ApplyNode(ctx(t), c, stale, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 12
		n.Labels = map[string]string{"tier": "cheap"}
		return nil
	}, conflict.WithFieldOwner("stale")))
	assert.Equal(t, int64(1), counter.Requests()-before, "one request, no conflict, no read")
	assert.Zero(t, counter.Conflicts())
	got := getNode(t, c, name)
	assert.Equal(t, int64(12), got.Spec.Pricing)
	assert.Equal(t, "cheap", got.Labels["tier"])
	assert.Equal(t, "elsewhere", got.Spec.KubernetesNodeName, "the other writer's change stays")
	assert.Equal(t, got.ResourceVersion, stale.ResourceVersion, "obj holds the answer")
}

// TestApplyRefusesBeforeAnyRequest: no field owner, a cancelled context,
// a failing mutate, a change the subresource would drop: each is an
// error before any request.
func TestApplyRefusesBeforeAnyRequest(t *testing.T) {
	const name = "apply-refuse"
	var counter load.Counter
	c := countedClient(t, &counter)
	n := createNode(t, newClient(t), name)
	setProgress := func(n *infrav1alpha1.Node) error { n.Status.Progress = infrav1alpha1.ProgressReady; return nil }

	err := helpers.ApplyNodeStatus(ctx(t), c, n.DeepCopy(), setProgress)
	require.ErrorIs(t, err, conflict.ErrNoFieldOwner)

	cancelled, cancel := context.WithCancel(ctx(t))
	cancel()
	err = helpers.ApplyNodeStatus(cancelled, c, n.DeepCopy(), setProgress, conflict.WithFieldOwner("x"))
	require.ErrorIs(t, err, context.Canceled)

	boom := errors.New("boom")
	err = helpers.ApplyNodeStatus(ctx(t), c, n.DeepCopy(), func(*infrav1alpha1.Node) error { return boom }, conflict.WithFieldOwner("x"))
	require.ErrorIs(t, err, boom)

	err = helpers.ApplyNodeStatus(ctx(t), c, n.DeepCopy(), func(n *infrav1alpha1.Node) error { n.Spec.Pricing = 3; return nil }, conflict.WithFieldOwner("x"))
	var sub *conflict.SubresourceError
	require.ErrorAs(t, err, &sub)
	assert.Equal(t, "ApplyNode", sub.Use)

	err = helpers.ApplyNode(ctx(t), c, n.DeepCopy(), setProgress, conflict.WithFieldOwner("x"))
	require.ErrorAs(t, err, &sub)
	assert.Equal(t, "ApplyNodeStatus", sub.Use)

	assert.Zero(t, counter.Requests(), "no request was sent")
	assert.Equal(t, n.ResourceVersion, getNode(t, c, name).ResourceVersion)
}

// TestApplyCreates: ApplyNode of an object that does not exist creates
// it, owning what mutate set; ApplyNodeStatus of one fails with NotFound.
func TestApplyCreates(t *testing.T) {
	const name = "apply-create"
	c := newClient(t)
	n := byName(name)
	t.Cleanup(func() { deleteLater(n) })
	err := helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		n.Status.Progress = infrav1alpha1.ProgressReady
		return nil
	}, conflict.WithFieldOwner("creator"))
	require.True(t, apierrors.IsNotFound(err), "status of a missing object: %v", err)

	require.NoError(t, helpers.ApplyNode(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
		n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOn
		n.Spec.GroupRef = "g1"
		return nil
	}, conflict.WithFieldOwner("creator")))
	got := getNode(t, c, name)
	assert.Equal(t, infrav1alpha1.PowerStateOn, got.Spec.DesiredPowerState)
	assert.Equal(t, got.UID, n.UID, "obj holds the created object")
	assert.Contains(t, managedBy(got, "creator", metav1.ManagedFieldsOperationApply, ""), "f:desiredPowerState")
}
