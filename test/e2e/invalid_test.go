package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
)

// TestSchemaRejectionIsReturnedAtOnce: a change the CRD's schema rejects
// comes back as the API's Invalid error after one write, unretried, and
// the object stays as it was.
func TestSchemaRejectionIsReturnedAtOnce(t *testing.T) {
	proxy := env.StartProxy()
	defer proxy.Close()
	c, err := env.NewClient(proxy.Config())
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		update func(*infrav1alpha1.Node) error
	}{
		{"spec enum", func(n *infrav1alpha1.Node) error {
			return helpers.UpdateNodeWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
				n.Spec.DesiredPowerState = "sideways"
				n.Spec.Pricing = 7 // valid, and must not be written either
				return nil
			})
		}},
		{"spec minimum", func(n *infrav1alpha1.Node) error {
			return helpers.UpdateNodeWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
				n.Spec.Pricing = -1
				return nil
			})
		}},
		{"status enum", func(n *infrav1alpha1.Node) error {
			return helpers.UpdateNodeStatusWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
				n.Status.Progress = "sideways"
				n.Status.Count = 7
				return nil
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := createNode(t, c, "invalid-"+strings.ReplaceAll(tc.name, " ", "-"))
			proxy.Writes()

			err := tc.update(before.DeepCopy())

			require.True(t, apierrors.IsInvalid(err), "the API's Invalid error, got %v", err)
			assert.Len(t, proxy.Writes(), 1, "one write, not retried")
			after := getNode(t, c, before.Name)
			assert.Equal(t, before.ResourceVersion, after.ResourceVersion, "nothing was written")
		})
	}
}
