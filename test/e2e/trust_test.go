package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// The default path with the code users really write, on the real server:
// a webhook that denies one change, a status change written through the
// main resource (the seed's node controller), a caller that already
// edited its object, an object deleted under CreateOrUpdate, a mutate
// that panics or calls another helper.

// TestWebhookDenialFailsOnlyItsCaller: an admission webhook denies one
// caller's change (403, as controller-runtime's admission.Denied answers)
// in a combined write. A refused write stores nothing, so it is split and
// everyone else's change is written.
func TestWebhookDenialFailsOnlyItsCaller(t *testing.T) {
	c, proxy := proxied(t)
	start := createNode(t, c, "trust-webhook")
	proxy.InjectAll(
		&harness.Fault{Latency: 200 * time.Millisecond, Count: 1},
		&harness.Fault{Status: 403, BodyContains: "denied-by-webhook"},
	)
	errs := make([]error, 16)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			errs[i] = helpers.UpdateNodeWithRetry(ctx(t), c, start.DeepCopy(), func(n *infrav1alpha1.Node) error {
				if i == 9 {
					n.Spec.KubernetesNodeName = "denied-by-webhook"
				}
				return inc(n)
			})
		})
	}
	wg.Wait()
	proxy.Inject(nil)
	for i, err := range errs {
		if i == 9 {
			assert.True(t, apierrors.IsForbidden(err), "the denied caller gets the 403, got %v", err)
		} else {
			assert.NoError(t, err, "caller %d", i)
		}
	}
	n := getNode(t, c, "trust-webhook")
	assert.Equal(t, int64(15), n.Spec.Pricing, "every other caller's increment")
	assert.Empty(t, n.Spec.KubernetesNodeName)
}

// TestStatusThroughTheMainResourceIsRefused: the seed's node controller
// sets status fields and calls Update; the API server drops them and the
// call succeeds. The helper refuses the change instead, names the helper
// to use, and writes nothing; through /status the same change is stored.
func TestStatusThroughTheMainResourceIsRefused(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		c, proxy := proxied(t)
		name := map[bool]string{false: "trust-status-alone", true: "trust-status-combined"}[combining]
		n := createNode(t, c, name)
		proxy.Writes()
		setStatus := func(n *infrav1alpha1.Node) error {
			n.Spec.KubernetesNodeName = "k8s-node"
			n.Status.Progress = infrav1alpha1.ProgressReady
			return nil
		}
		err := helpers.UpdateNodeWithRetry(ctx(t), c, n, setStatus, conflict.WithCombining(combining))
		var sub *conflict.SubresourceError
		require.ErrorAs(t, err, &sub)
		assert.Equal(t, []string{"status"}, sub.Fields)
		assert.Equal(t, "UpdateNodeStatusWithRetry", sub.Use)
		assert.Empty(t, proxy.Writes(), "nothing written")
		got := getNode(t, c, name)
		assert.Empty(t, got.Spec.KubernetesNodeName)

		require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
			n.Status.Progress = infrav1alpha1.ProgressReady
			return nil
		}, conflict.WithCombining(combining)))
		assert.Equal(t, infrav1alpha1.ProgressReady, getNode(t, c, name).Status.Progress)
	})
}

// TestConditionAlreadySetOnObjIsWritten: the seeds' code sets a condition
// on the object it holds, then writes; called with a mutate that sets the
// same condition, the helper must not take the caller's edited copy for
// the server's and skip the write.
func TestConditionAlreadySetOnObjIsWritten(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		c := newClient(t)
		name := map[bool]string{false: "trust-dirty-alone", true: "trust-dirty-combined"}[combining]
		n := createNode(t, c, name)
		ready := metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Booted"}
		helpers.SetNodeCondition(n, ready)
		require.NoError(t, helpers.UpdateNodeStatusWithRetry(ctx(t), c, n, func(n *infrav1alpha1.Node) error {
			helpers.SetNodeCondition(n, ready)
			return nil
		}, conflict.WithCombining(combining)))
		got := getNode(t, c, name)
		require.Len(t, got.Status.Conditions, 1, "the condition is on the server")
		assert.Equal(t, "Booted", got.Status.Conditions[0].Reason)
	})
}

// TestCreateOrUpdateRecreatesADeletedObject: a reconciler holds the child
// it created; someone deletes it; CreateOrUpdate with the held copy (its
// resourceVersion and UID those of the deleted object) creates it again.
func TestCreateOrUpdateRecreatesADeletedObject(t *testing.T) {
	c := newClient(t)
	held := createNode(t, c, "trust-recreate")
	require.NoError(t, c.Delete(ctx(t), held.DeepCopy()))
	result, err := helpers.CreateOrUpdateNodeWithRetry(ctx(t), c, held, func(n *infrav1alpha1.Node) error {
		n.Spec.GroupRef = "g2"
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "created", string(result))
	got := getNode(t, c, "trust-recreate")
	assert.Equal(t, "g2", got.Spec.GroupRef)
	assert.Equal(t, got.UID, held.UID, "obj holds the new object")
}

// TestMisbehavingMutatesEndAsTheyWouldAlone: a mutate that panics, and a
// mutate that calls a helper for the same object, among concurrent
// callers with context.Background(): the panic reaches its own caller, the
// nested call finishes, and every other caller's increment is written.
func TestMisbehavingMutatesEndAsTheyWouldAlone(t *testing.T) {
	c := newClient(t)
	start := createNode(t, c, "trust-misbehaving")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	panics := make([]any, 8)
	for i := range errs {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			nested := false
			errs[i] = helpers.UpdateNodeWithRetry(context.Background(), c, start.DeepCopy(), func(n *infrav1alpha1.Node) error {
				switch {
				case i == 2:
					panic("boom")
				case i == 5 && !nested:
					nested = true
					err := helpers.UpdateNodeWithRetry(context.Background(), c, start.DeepCopy(), func(m *infrav1alpha1.Node) error {
						m.Spec.KubernetesNodeName = "nested"
						return nil
					})
					if err != nil {
						return err
					}
				}
				return inc(n)
			})
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("callers still waiting after 30s: deadlock")
	}
	for i := range errs {
		if i == 2 {
			assert.Equal(t, "boom", panics[i], "the panic reaches its own caller")
			continue
		}
		assert.Nil(t, panics[i])
		assert.NoError(t, errs[i], "caller %d", i)
	}
	got := getNode(t, c, "trust-misbehaving")
	assert.Equal(t, int64(7), got.Spec.Pricing)
	assert.Equal(t, "nested", got.Spec.KubernetesNodeName)
}
