package e2e

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// TestApplyAfterAnUpdateTookAField: another client changes, with an
// Update, a field this manager applied, and so takes it (the field is
// then the updater's alone). The same apply again, with its mutate
// unchanged:
//   - through the obj the last apply filled in sends nothing and
//     succeeds: this process trusts what it wrote, and did not see the
//     Update (the trust rule); the other client's value stays;
//   - by name (a read) sees the field changed, sends the apply, and gets
//     the typed ownership error naming the updater, nothing written,
//     not retried;
//   - with WithForceOwnership takes the field back.
func TestApplyAfterAnUpdateTookAField(t *testing.T) {
	const name = "apply-taken"
	var wire load.Counter
	c := countedClient(t, &wire)
	opt := conflict.WithFieldOwner("applier")
	createNode(t, c, name)
	obj := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt))

	theirs := getNode(t, newClient(t), name)
	theirs.Spec.Pricing = 9
	require.NoError(t, newClient(t).Update(ctx(t), theirs, client.FieldOwner("updater")))
	taken := getNode(t, c, name)
	assert.NotContains(t, managedBy(taken, "applier", metav1.ManagedFieldsOperationApply, ""), "f:pricing", "the Update took the field")
	assert.Contains(t, managedBy(taken, "updater", metav1.ManagedFieldsOperationUpdate, ""), "f:pricing")

	requests := wire.Requests()
	require.NoError(t, helpers.ApplyNode(ctx(t), c, obj, setPricing(5), opt))
	assert.Equal(t, int64(0), wire.Requests()-requests, "through the answer: no request")
	assert.Equal(t, int64(9), getNode(t, c, name).Spec.Pricing, "the updater's value stays")

	requests, conflicts := wire.Requests(), wire.Conflicts()
	err := helpers.ApplyNode(ctx(t), c, byName(name), setPricing(5), opt)
	var owned *conflict.OwnershipError
	require.True(t, errors.As(err, &owned), "by name: want *conflict.OwnershipError, got %v", err)
	assert.True(t, apierrors.IsConflict(err))
	require.Len(t, owned.Conflicts, 1)
	assert.Equal(t, ".spec.pricing", owned.Conflicts[0].Field)
	assert.Equal(t, []string{"updater"}, owned.Conflicts[0].Managers)
	assert.Equal(t, int64(2), wire.Requests()-requests, "by name: the read and one apply, not retried")
	assert.Equal(t, int64(1), wire.Conflicts()-conflicts)
	got := getNode(t, c, name)
	assert.Equal(t, int64(9), got.Spec.Pricing, "nothing written")

	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(5), opt, conflict.WithForceOwnership()))
	got = getNode(t, c, name)
	assert.Equal(t, int64(5), got.Spec.Pricing, "force takes the field back")
	assert.Contains(t, managedBy(got, "applier", metav1.ManagedFieldsOperationApply, ""), "f:pricing")
}
