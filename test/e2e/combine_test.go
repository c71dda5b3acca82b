package e2e

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// The rules of write combining (runtime/conflict/combine.go), each on the
// real server. Every test starts its callers together behind a slow write,
// so that they queue behind it and are combined.

// proxied returns a client through a new proxy, and the proxy.
func proxied(t *testing.T) (client.Client, *harness.Proxy) {
	t.Helper()
	proxy := env.StartProxy()
	t.Cleanup(proxy.Close)
	c, err := env.NewClient(proxy.Config())
	require.NoError(t, err)
	return c, proxy
}

// together runs call n times concurrently while the first write of the
// proxy is held back, so that the callers queue up, and returns their
// errors by index.
func together(t *testing.T, proxy *harness.Proxy, n int, call func(i int) error) []error {
	t.Helper()
	proxy.Inject(&harness.Fault{Latency: 200 * time.Millisecond, Count: 1})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call(i)
		}()
	}
	wg.Wait()
	proxy.Inject(nil)
	return errs
}

func inc(n *infrav1alpha1.Node) error { n.Spec.Pricing++; return nil }

func TestCombiningWritesConcurrentCallsTogether(t *testing.T) {
	c, proxy := proxied(t)
	start := createNode(t, c, "combine-together")
	proxy.Writes()

	errs := together(t, proxy, 32, func(int) error {
		return helpers.UpdateNodeWithRetry(ctx(t), c, start.DeepCopy(), inc)
	})

	for _, err := range errs {
		require.NoError(t, err)
	}
	writes := proxy.Writes()
	assert.LessOrEqual(t, len(writes), 4, "32 calls, a handful of writes")
	for _, w := range writes {
		assert.Equal(t, 200, w.Status, "no write conflicted")
	}
	assert.Equal(t, int64(32), getNode(t, c, "combine-together").Spec.Pricing)
}

func TestCombiningOffWritesEachCallAlone(t *testing.T) {
	c, proxy := proxied(t)
	start := createNode(t, c, "combine-off")
	proxy.Writes()

	errs := together(t, proxy, 8, func(int) error {
		return helpers.UpdateNodeWithRetry(ctx(t), c, start.DeepCopy(), inc, conflict.WithCombining(false))
	})

	for _, err := range errs {
		require.NoError(t, err)
	}
	accepted := 0
	for _, w := range proxy.Writes() {
		if w.Succeeded() {
			accepted++
		}
	}
	assert.Equal(t, 8, accepted, "one write per call")
	assert.Equal(t, int64(8), getNode(t, c, "combine-off").Spec.Pricing)
}

func TestCombiningAFailingMutateFailsOnlyItsCaller(t *testing.T) {
	c, proxy := proxied(t)
	start := createNode(t, c, "combine-mutate-error")
	boom := errors.New("boom")

	errs := together(t, proxy, 16, func(i int) error {
		return helpers.UpdateNodeWithRetry(ctx(t), c, start.DeepCopy(), func(n *infrav1alpha1.Node) error {
			n.Spec.Pricing += 100 // half done when it fails: must not be written
			if i == 5 {
				return boom
			}
			n.Spec.Pricing -= 99
			return nil
		})
	})

	for i, err := range errs {
		if i == 5 {
			assert.ErrorIs(t, err, boom)
		} else {
			assert.NoError(t, err)
		}
	}
	assert.Equal(t, int64(15), getNode(t, c, "combine-mutate-error").Spec.Pricing)
}

func TestCombiningARejectedChangeFailsOnlyItsCaller(t *testing.T) {
	c, proxy := proxied(t)
	start := createNode(t, c, "combine-invalid")

	errs := together(t, proxy, 16, func(i int) error {
		return helpers.UpdateNodeWithRetry(ctx(t), c, start.DeepCopy(), func(n *infrav1alpha1.Node) error {
			if i == 9 {
				n.Spec.DesiredPowerState = "sideways" // the schema's enum rejects it
				return nil
			}
			return inc(n)
		})
	})

	for i, err := range errs {
		if i == 9 {
			assert.True(t, apierrors.IsInvalid(err), "the culprit gets the API's Invalid error, got %v", err)
		} else {
			assert.NoError(t, err)
		}
	}
	n := getNode(t, c, "combine-invalid")
	assert.Equal(t, int64(15), n.Spec.Pricing, "everyone else's increment")
	assert.Equal(t, infrav1alpha1.PowerStateOff, n.Spec.DesiredPowerState)
}

// TestCombiningNeverWritesAStaleCopy: callers hold a copy of the object
// that is older with every write. A round that starts from such a copy
// (the first of a burst: a combiner keeps nothing between bursts) runs the
// mutates on it, and its write conflicts; the mutates run again on a fresh
// read. Every increment acknowledged is on the object, exactly once.
func TestCombiningNeverWritesAStaleCopy(t *testing.T) {
	c := newClient(t)
	start := createNode(t, c, "combine-fresh")
	var acknowledged atomic.Int64
	var stale atomic.Int64
	errs := hammer(t, c, nodeOp{name: "spec", update: func(ctx context.Context, c client.Client, obj *infrav1alpha1.Node, _ func(*infrav1alpha1.Node) error, opts ...conflict.Option) error {
		floor := acknowledged.Load()
		err := helpers.UpdateNodeWithRetry(ctx, c, start.DeepCopy(), func(n *infrav1alpha1.Node) error {
			if n.Spec.Pricing < floor {
				stale.Add(1)
			}
			return inc(n)
		}, opts...)
		if err == nil {
			acknowledged.Add(1)
		}
		return err
	}}, start, 16, 256)
	require.Empty(t, errs)
	t.Logf("%d mutates ran on a copy older than the acknowledged increments; their writes conflicted", stale.Load())
	assert.Equal(t, int64(256), getNode(t, c, "combine-fresh").Spec.Pricing, "every acknowledged increment, once")
}

// TestCombiningOneCallersCancelDoesNotCancelTheOthers cancels one caller
// while the shared write is held back: the others succeed, and the
// cancelled one returns at once; its update is in the write, so it is told
// the outcome is unknown.
func TestCombiningOneCallersCancelDoesNotCancelTheOthers(t *testing.T) {
	c, proxy := proxied(t)
	start := createNode(t, c, "combine-cancel")
	cancelled, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)

	var returned time.Duration
	began := time.Now()
	errs := together(t, proxy, 8, func(i int) error {
		cctx := ctx(t)
		if i == 0 {
			cctx = cancelled
		}
		err := helpers.UpdateNodeWithRetry(cctx, c, start.DeepCopy(), inc)
		if i == 0 {
			returned = time.Since(began)
		}
		return err
	})

	ok := int64(0)
	unknown := false
	for i, err := range errs {
		if i == 0 && err != nil {
			assert.ErrorIs(t, err, context.Canceled)
			unknown = errors.Is(err, conflict.ErrOutcomeUnknown)
			continue
		}
		require.NoError(t, err, "caller %d", i)
		ok++
	}
	assert.GreaterOrEqual(t, ok, int64(7))
	assert.Less(t, returned, 190*time.Millisecond, "the cancelled caller does not wait for the held write")
	got := getNode(t, c, "combine-cancel").Spec.Pricing
	if unknown {
		assert.Contains(t, []int64{ok, ok + 1}, got, "the successful updates, and perhaps the one of unknown outcome")
	} else {
		assert.Equal(t, ok, got, "exactly the updates reported successful")
	}
}

// TestCombiningStartsFromTheLastObjectWritten: while calls for an object
// keep coming, a caller holding an old copy costs no conflict: the round
// starts from the last object the process wrote. Between bursts nothing
// is kept, and an old copy costs one conflict and one read.
func TestCombiningStartsFromTheLastObjectWritten(t *testing.T) {
	c, proxy := proxied(t)
	old := createNode(t, c, "combine-last")
	errs := together(t, proxy, 8, func(int) error {
		return helpers.UpdateNodeWithRetry(ctx(t), c, old.DeepCopy(), inc)
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	statuses := map[int]int{}
	for _, w := range proxy.Writes() {
		statuses[w.Status]++
	}
	assert.LessOrEqual(t, statuses[409], 1, "at most the first round, from the old copy, conflicts")
	assert.Equal(t, int64(8), getNode(t, c, "combine-last").Spec.Pricing)

	require.NoError(t, helpers.UpdateNodeWithRetry(ctx(t), c, old.DeepCopy(), inc))
	writes := proxy.Writes()
	require.Len(t, writes, 2, "a new burst keeps nothing: the old copy conflicts once")
	assert.Equal(t, 409, writes[0].Status)
	assert.Equal(t, 200, writes[1].Status)
	assert.Equal(t, int64(9), getNode(t, c, "combine-last").Spec.Pricing)
}
