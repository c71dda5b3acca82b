package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// Server-side apply against a server that refuses, fails, hangs or loses
// the answer (the proxy of test/harness), and against an object deleted
// and created again.

func setPricing(p int64) func(*infrav1alpha1.Node) error {
	return func(n *infrav1alpha1.Node) error { n.Spec.Pricing = p; return nil }
}

// TestApplyServerErrors: each answer is returned as the API server gave
// it, after exactly one request: never retried blind. A 5xx or a lost
// answer may have been stored, which the error says; applying again is
// safe.
func TestApplyServerErrors(t *testing.T) {
	cases := []struct {
		name  string
		fault harness.Fault
		check func(t *testing.T, err error)
	}{
		{"403 denied", harness.Fault{Status: http.StatusForbidden}, func(t *testing.T, err error) {
			assert.True(t, apierrors.IsForbidden(err), "%v", err)
		}},
		{"409 without causes", harness.Fault{Status: http.StatusConflict}, func(t *testing.T, err error) {
			assert.True(t, apierrors.IsConflict(err), "%v", err)
			var owned *conflict.OwnershipError
			assert.NotErrorAs(t, err, &owned, "a 409 that names no field is no ownership conflict")
		}},
		{"429", harness.Fault{Status: http.StatusTooManyRequests}, func(t *testing.T, err error) {
			assert.True(t, apierrors.IsTooManyRequests(err), "%v", err)
		}},
		{"500", harness.Fault{Status: http.StatusInternalServerError}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
			assert.True(t, apierrors.IsInternalError(err), "%v", err)
		}},
		{"dropped connection", harness.Fault{Drop: true}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
		}},
		{"lost answer", harness.Fault{LoseAnswer: true}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, proxy := proxied(t)
			name := "apply-fault-" + string(rune('a'+i))
			createNode(t, c, name)
			opt := conflict.WithFieldOwner("faulty")
			require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(1), opt))
			proxy.Writes()
			fault := tc.fault
			fault.Count = 1
			proxy.Inject(&fault)
			err := helpers.ApplyNode(ctx(t), c, byName(name), setPricing(2), opt)
			require.Error(t, err)
			tc.check(t, err)
			assert.Len(t, proxy.Writes(), 1, "one request, not retried")
			require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(2), opt), "applying again is safe")
			assert.Equal(t, int64(2), getNode(t, c, name).Spec.Pricing)
		})
	}
}

// TestApplyHangingServer: a caller whose context ends while its apply
// hangs returns at once, told that the outcome is unknown; a caller
// queued behind it is not held up by its leaving.
func TestApplyHangingServer(t *testing.T) {
	c, proxy := proxied(t)
	const name = "apply-hang"
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("hang")
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(1), opt))
	proxy.Inject(&harness.Fault{Latency: 3 * time.Second, Count: 1})
	short, cancel := context.WithTimeout(ctx(t), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := helpers.ApplyNode(short, c, byName(name), setPricing(2), opt)
	assert.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second, "returned when its context ended")
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(3), opt))
	assert.Equal(t, int64(3), getNode(t, c, name).Spec.Pricing)
}

// TestApplyObjectReplaced: an apply through an object that was deleted
// and created again since fails with ErrObjectReplaced and writes
// nothing into the new object; an apply by name applies to the new one.
func TestApplyObjectReplaced(t *testing.T) {
	c := newClient(t)
	const name = "apply-replaced"
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("replacer")
	old := byName(name)
	require.NoError(t, helpers.ApplyNode(ctx(t), c, old, setPricing(5), opt))
	require.NoError(t, c.Delete(ctx(t), getNode(t, c, name)))
	fresh := createNode(t, c, name)

	err := helpers.ApplyNode(ctx(t), c, old, setPricing(6), opt)
	require.ErrorIs(t, err, conflict.ErrObjectReplaced)
	got := getNode(t, c, name)
	assert.Equal(t, fresh.ResourceVersion, got.ResourceVersion, "nothing written into the new object")

	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(7), opt))
	got = getNode(t, c, name)
	assert.Equal(t, fresh.UID, got.UID)
	assert.Equal(t, int64(7), got.Spec.Pricing)
}

// TestApplyMutatePanics: a panic in mutate reaches its caller and leaves
// nothing behind: the next apply of the object works.
func TestApplyMutatePanics(t *testing.T) {
	c := newClient(t)
	const name = "apply-panic"
	createNode(t, c, name)
	opt := conflict.WithFieldOwner("panicky")
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(1), opt))
	assert.PanicsWithValue(t, "mutate broke", func() {
		_ = helpers.ApplyNode(ctx(t), c, byName(name), func(*infrav1alpha1.Node) error { panic("mutate broke") }, opt)
	})
	require.NoError(t, helpers.ApplyNode(ctx(t), c, byName(name), setPricing(2), opt))
	assert.Equal(t, int64(2), getNode(t, c, name).Spec.Pricing)
}
