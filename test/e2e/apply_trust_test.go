package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"

	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// The no-op and repeat rules of applies against writes this process made
// itself, or may have made. Each test's comment tells what happened before
// the process counted its writes to each object (runtime/conflict's
// object_writes.go); each now asserts that the apply is sent.

// TestApplyNoOpIsNotBelievedAfterALostAnswer: an apply whose answer is
// lost after the API server stored it fails with ErrOutcomeUnknown (it
// may have been stored). The process keeps its previous answer as the
// newest object it knows, and trusts it: the next apply, setting the
// field back to the value of that answer through the obj it filled in,
// is taken for a no-op. It succeeds with no request, and the server
// keeps the value of the apply whose outcome was unknown: the caller's
// change is lost, and the error told it "applying again is safe".
func TestApplyNoOpIsNotBelievedAfterALostAnswer(t *testing.T) {
	const name = "trust-lost-answer"
	c, proxy := proxied(t)
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("lost")
	obj := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(1), opt))

	proxy.Inject(&harness.Fault{LoseAnswer: true, Count: 1})
	err := helpers.ApplyNode(ctx(t), c, obj.DeepCopy(), setPricing(2), opt)
	require.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
	require.Equal(t, int64(2), getNode(t, newClient(t), name).Spec.Pricing, "the lost apply was stored")

	proxy.Writes()
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(1), opt))
	assert.Equal(t, int64(1), getNode(t, newClient(t), name).Spec.Pricing,
		"pricing after a successful apply of 1 (%d writes sent): the apply after an unknown outcome was believed a no-op", len(proxy.Writes()))
}

// TestApplyNoOpIsNotBelievedAfterTheProcessesOwnWrite: one process writes
// pricing, which its apply manager ctrl-a set, in another way: manager
// ctrl-b of the same process takes it with force (two controllers in one
// manager binary), or UpdateNodeWithRetry with another field owner writes
// it. ctrl-a then applies its own value again through the obj of its last
// answer. The process made the change itself, so the answer is no longer
// believed: the apply is sent, and refused with the typed ownership error
// (or, were it written, the object holds 5). Before the process counted
// its writes, the apply was taken for a no-op: no request, success, and
// the other write's value stayed.
func TestApplyNoOpIsNotBelievedAfterTheProcessesOwnWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, c client.Client, name string)
	}{
		{"another field manager", func(t *testing.T, c client.Client, name string) {
			require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(7), conflict.WithFieldOwner("ctrl-b"), conflict.WithForceOwnership()))
			require.NotContains(t, managedBy(getNode(t, c, name), "ctrl-a", metav1.ManagedFieldsOperationApply, ""), "f:pricing")
		}},
		{"an update", func(t *testing.T, c client.Client, name string) {
			require.NoError(t, helpers.UpdateNodeWithRetry(ctx(t), c, byName(name), setPricing(8), conflict.WithFieldOwner("ctrl-u")))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "trust-own-write-" + strings.ReplaceAll(tc.name, " ", "-")
			var wire load.Counter
			c := countedClient(t, &wire)
			createNode(t, c, name)
			a := conflict.WithFieldOwner("ctrl-a")
			objA := byName(name)
			require.NoError(t, helpers.ApplyNode(ctx(t), c, objA, setPricing(5), a))
			tc.write(t, c, name)

			requests := wire.Requests()
			err := helpers.ApplyNode(ctx(t), c, objA, setPricing(5), a)
			sent := wire.Requests() - requests
			var owned *conflict.OwnershipError
			if err == nil {
				assert.Equal(t, int64(5), getNode(t, c, name).Spec.Pricing,
					"a's apply of 5 succeeded with %d requests, yet the object holds the process's other write", sent)
			} else {
				assert.True(t, errors.As(err, &owned), "want the typed ownership error, got %v", err)
			}
		})
	}
}

// TestApplyClearingAnotherManagersFieldInAStructAppliedEmptyIsErrNotOwned:
// the README: "Clearing a field another manager owns cannot be expressed
// by an apply: the call fails with conflict.ErrNotOwned and writes
// nothing." ApplyGroup creates a Group and so applies its policy as {}
// (a struct this manager applied empty). Another manager then sets
// policy.scaleDown. This manager's mutate clears it: the field is another
// manager's alone, yet the call succeeds and the value stays, because a
// struct owned with nothing listed below it is taken for an atomic value
// owned whole (the clear counts as this manager's removal), and the {}
// kept by the empty-struct rule changes nothing on the server. The caller
// is told its clear was done.
func TestApplyClearingAnotherManagersFieldInAStructAppliedEmptyIsErrNotOwned(t *testing.T) {
	const name = "trust-struct-empty"
	c := newClient(t)
	a := conflict.WithFieldOwner("group-a")
	g := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}}
	t.Cleanup(func() { deleteLater(&infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}}) })
	require.NoError(t, helpers.ApplyGroup(ctx(t), c, g, func(g *infrav1alpha1.Group) error {
		g.Spec.MinSize, g.Spec.MaxSize, g.Spec.TargetSize = 1, 3, 2
		return nil
	}, a))
	got := &infrav1alpha1.Group{}
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: name}, got))
	t.Logf("group-a owns: %s", groupManagedBy(got, "group-a"))
	require.NoError(t, helpers.ApplyGroup(ctx(t), newClient(t), &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}},
		func(g *infrav1alpha1.Group) error {
			g.Spec.Policy.ScaleDown = infrav1alpha1.ScaleDownNewestFirst
			return nil
		},
		conflict.WithFieldOwner("group-b")))

	err := helpers.ApplyGroup(ctx(t), c, &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}}, func(g *infrav1alpha1.Group) error {
		g.Spec.Policy = infrav1alpha1.GroupPolicy{}
		return nil
	}, a)
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: name}, got))
	if err == nil {
		t.Errorf("clearing group-b's policy.scaleDown succeeded; the field holds %q: want conflict.ErrNotOwned", got.Spec.Policy.ScaleDown)
	} else {
		assert.ErrorIs(t, err, conflict.ErrNotOwned)
	}
}

func groupManagedBy(g *infrav1alpha1.Group, manager string) string {
	for _, e := range g.ManagedFields {
		if e.Manager == manager && e.FieldsV1 != nil {
			return string(e.FieldsV1.Raw)
		}
	}
	return ""
}

// TestApplyNoOpOnADeletedObjectAfterAnotherWriteIsConfirmed: the answer
// of an apply is no longer believed once the process wrote the object
// again (here its status); the object is then deleted by another client.
// The same apply through that answer is a no-op to be confirmed: the read
// finds the object gone, and the call fails with ErrObjectDeleted after
// that one request, creating nothing (before, the read's NotFound made
// the call create the object anew from the empty object: a stale obj
// must not recreate its object).
func TestApplyNoOpOnADeletedObjectAfterAnotherWriteIsConfirmed(t *testing.T) {
	const name = "trust-deleted"
	var wire load.Counter
	c := countedClient(t, &wire)
	opt := conflict.WithFieldOwner("trust-deleted")
	createNode(t, c, name)
	obj := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt))
	require.NoError(t, helpers.ApplyNodeStatus(ctx(t), c, byName(name), func(n *infrav1alpha1.Node) error {
		helpers.SetNodeCondition(n, condition("Ready", "Up", "up"))
		return nil
	}, opt))
	require.NoError(t, newClient(t).Delete(ctx(t), getNode(t, newClient(t), name)))

	requests := wire.Requests()
	err := helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt)
	assert.ErrorIs(t, err, conflict.ErrObjectDeleted)
	assert.True(t, apierrors.IsNotFound(err), "apierrors.IsNotFound(%v)", err)
	assert.Equal(t, int64(1), wire.Requests()-requests, "the read that confirms the no-op, and no apply")
	assert.True(t, apierrors.IsNotFound(newClient(t).Get(ctx(t), client.ObjectKey{Name: name}, &infrav1alpha1.Node{})), "nothing created")
}
