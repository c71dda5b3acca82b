package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// TestCallEconomy counts every request the helpers send, reads included,
// with combining on and off: one request per update of a current object,
// one read per conflict, and for a no-op on the caller's object one read
// that confirms it (the object may be stale or already edited) and no
// write.
func TestCallEconomy(t *testing.T) {
	for _, combining := range []bool{false, true} {
		t.Run(map[bool]string{false: "alone", true: "combined"}[combining], func(t *testing.T) {
			var counter load.Counter
			c, err := env.NewClient(counter.Wrap(env.Config()))
			require.NoError(t, err)
			name := map[bool]string{false: "economy-alone", true: "economy-combined"}[combining]
			n := createNode(t, c, name)
			opt := conflict.WithCombining(combining)
			calls := func() int64 { return counter.Requests() }

			before := calls()
			for range 10 {
				require.NoError(t, helpers.UpdateNodeWithRetry(ctx(t), c, n, inc, opt))
			}
			assert.Equal(t, int64(10), calls()-before, "W=1: one request per update, no reads")

			before = calls()
			require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
				n.Status.Progress = infrav1alpha1.ProgressReady
				n.Status.Count = 1
				helpers.SetNodeObservedGeneration(n)
				return nil
			}, opt))
			assert.Equal(t, int64(1), calls()-before, "one request for a status update with several fields")

			before = calls()
			writes := counter.Writes()
			require.NoError(t, helpers.UpdateNodeWithRetry(ctx(t), c, n, func(*infrav1alpha1.Node) error { return nil }, opt))
			assert.Equal(t, int64(1), calls()-before, "a no-op costs one confirming read")
			assert.Zero(t, counter.Writes()-writes, "a no-op writes nothing")

			stale := n.DeepCopy()
			other := newClient(t) // another process's write
			theirs := getNode(t, other, name)
			theirs.Spec.KubernetesNodeName = "elsewhere"
			require.NoError(t, other.Update(ctx(t), theirs))
			before, conflicts := calls(), counter.Conflicts()
			require.NoError(t, helpers.UpdateNodeWithRetry(ctx(t), c, stale, inc, opt))
			assert.Equal(t, int64(3), calls()-before, "after a conflict: one read and one more write")
			assert.Equal(t, int64(1), counter.Conflicts()-conflicts)
			assert.Equal(t, int64(11), getNode(t, c, name).Spec.Pricing)
		})
	}
}
