package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// The Group keeps the request IDs of its status writes in
// status.requestLog (+conflict:requestLog=Status.RequestLog). These tests
// write its status through the fault proxy and read what the API server
// stored directly.

// getGroup reads a Group from the server, not through a proxy.
func getGroup(t *testing.T, name string) *infrav1alpha1.Group {
	t.Helper()
	g := &infrav1alpha1.Group{}
	require.NoError(t, newClient(t).Get(ctx(t), client.ObjectKey{Name: name}, g))
	return g
}

// served is a status increment a retry must not apply twice: one more
// request served.
func served(g *infrav1alpha1.Group) error { g.Status.Size++; return nil }

// TestStatusRequestIDSurvivesALostAnswer: a status write with an ID whose
// answer the proxy drops was stored with its ID; retried with the same ID
// it is applied once, with another ID again. The log is a field of the
// stored object (the CRD's schema keeps it) and stays bounded.
func TestStatusRequestIDSurvivesALostAnswer(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		name := fmt.Sprintf("status-log-%v", combining)
		c, proxy := proxied(t)
		start := createGroup(t, c, name, 0, 1000)
		opt := func(id string) []conflict.Option {
			return []conflict.Option{conflict.WithRequestID(id), conflict.WithCombining(combining)}
		}

		proxy.Inject(&harness.Fault{LoseAnswer: true, Count: 1, BodyContains: `"first@`})
		err := helpers.UpdateGroupStatusWithRetry(ctx(t), c, start.DeepCopy(), served, opt("first")...)
		proxy.Inject(nil)
		require.ErrorIs(t, err, conflict.ErrOutcomeUnknown)
		stored := getGroup(t, name)
		require.Equal(t, int32(1), stored.Status.Size, "the write landed although its answer was lost")
		require.Len(t, stored.Status.RequestLog, 1)
		assert.True(t, strings.HasPrefix(stored.Status.RequestLog[0], "first@"), stored.Status.RequestLog[0])

		// The caller retries from the copy it held, which lacks the ID.
		require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx(t), c, start.DeepCopy(), served, opt("first")...))
		assert.Equal(t, int32(1), getGroup(t, name).Status.Size, "retried with the same ID: applied once")
		require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx(t), c, start.DeepCopy(), served, opt("second")...))
		assert.Equal(t, int32(2), getGroup(t, name).Status.Size, "another ID: applied")

		// The server stored the field: it is in the object's JSON, not
		// pruned as an unknown field would be.
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(infrav1alpha1.GroupVersion.WithKind("Group"))
		require.NoError(t, newClient(t).Get(ctx(t), client.ObjectKey{Name: name}, u))
		log, found, err := unstructured.NestedStringSlice(u.Object, "status", "requestLog")
		require.NoError(t, err)
		require.True(t, found, "status.requestLog in the stored object: %v", u.Object["status"])
		assert.Len(t, log, 2)

		// Bounded: after RequestLogSize more requests the first entry is
		// gone, and a retry of it is applied again (documented).
		for i := range conflict.RequestLogSize {
			require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx(t), c, start.DeepCopy(), served, opt(fmt.Sprintf("more-%d", i))...))
		}
		g := getGroup(t, name)
		assert.Len(t, g.Status.RequestLog, conflict.RequestLogSize)
		require.Equal(t, int32(2+conflict.RequestLogSize), g.Status.Size)
		require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx(t), c, g.DeepCopy(), served, opt("first")...))
		require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx(t), c, g.DeepCopy(), served, opt("more-1")...))
		assert.Equal(t, int32(3+conflict.RequestLogSize), getGroup(t, name).Status.Size, "first applied again, more-1 still logged")
	})
}

// TestStatusRequestIDsMakeRetriesExactlyOnce: the proxy stores every
// third write and loses its answer. Each of 32 distinct status requests
// is retried with its own ID until it succeeds: the status counts exactly
// 32, with combining on and off.
func TestStatusRequestIDsMakeRetriesExactlyOnce(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		name := fmt.Sprintf("status-ids-%v", combining)
		c, proxy := proxied(t)
		start := createGroup(t, c, name, 0, 1000)
		proxy.Inject(&harness.Fault{LoseAnswer: true, Every: 3})
		defer proxy.Inject(nil)

		const requests, workers = 32, 8
		var next, retries atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for r := next.Add(1); r <= requests; r = next.Add(1) {
					opts := []conflict.Option{conflict.WithCombining(combining), conflict.WithRequestID(fmt.Sprintf("%s-%d", name, r))}
					for attempt := 0; ; attempt++ {
						cctx, cancel := context.WithTimeout(ctx(t), 30*time.Second)
						err := helpers.UpdateGroupStatusWithRetry(cctx, c, start.DeepCopy(), served, opts...)
						cancel()
						if err == nil {
							break
						}
						if attempt >= 20 {
							t.Errorf("request %d never succeeded: %v", r, err)
							return
						}
						retries.Add(1)
					}
				}
			})
		}
		wg.Wait()
		got := getGroup(t, name)
		t.Logf("%d requests, %d retried calls, status.size %d, %d log entries", requests, retries.Load(), got.Status.Size, len(got.Status.RequestLog))
		require.Positive(t, retries.Load(), "some answers were lost")
		assert.Equal(t, int32(requests), got.Status.Size, "each request applied exactly once")
		assert.Len(t, got.Status.RequestLog, requests, "one entry per request")
	})
}

// TestStatusRequestIDAfterAFailedWrite: a status write the server refused
// or never received (403, 429, 500 from the proxy, a dropped connection)
// stored nothing, its ID included; retried with the same ID, the request
// is applied, once.
func TestStatusRequestIDAfterAFailedWrite(t *testing.T) {
	for _, f := range []struct {
		name  string
		fault harness.Fault
	}{
		{"403", harness.Fault{Status: 403}},
		{"429", harness.Fault{Status: 429, RetryAfter: 1}},
		{"500", harness.Fault{Status: 500}},
		{"drop", harness.Fault{Drop: true}},
	} {
		t.Run(f.name, func(t *testing.T) {
			name := "status-failed-" + f.name
			c, proxy := proxied(t)
			start := createGroup(t, c, name, 0, 1000)
			fault := f.fault
			fault.BodyContains, fault.Count = `"once@`, 1
			proxy.Inject(&fault)
			cctx, cancel := context.WithTimeout(ctx(t), 30*time.Second)
			first := helpers.UpdateGroupStatusWithRetry(cctx, c, start.DeepCopy(), served, conflict.WithRequestID("once"))
			cancel()
			proxy.Inject(nil)
			stored := getGroup(t, name)
			if first == nil {
				// client-go retried a 429 itself: the request went through.
				require.Equal(t, int32(1), stored.Status.Size)
			} else {
				require.Zero(t, stored.Status.Size, "nothing stored: %v", first)
				require.Empty(t, stored.Status.RequestLog)
			}
			require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx(t), c, start.DeepCopy(), served, conflict.WithRequestID("once")))
			got := getGroup(t, name)
			assert.Equal(t, int32(1), got.Status.Size, "applied once (first call: %v)", first)
			assert.Len(t, got.Status.RequestLog, 1)
		})
	}
}

// TestStatusRequestIDAfterAHang: the server hangs past the caller's
// deadline; the write may still land, before or after the caller's retry
// with the same ID. Either way the request is applied once: a late write
// carries the resourceVersion its call read, which the retry moved on.
func TestStatusRequestIDAfterAHang(t *testing.T) {
	const name = "status-hang"
	c, proxy := proxied(t)
	start := createGroup(t, c, name, 0, 1000)
	proxy.Inject(&harness.Fault{Latency: 3 * time.Second, Count: 1, BodyContains: `"slow@`})
	cctx, cancel := context.WithTimeout(ctx(t), 500*time.Millisecond)
	first := helpers.UpdateGroupStatusWithRetry(cctx, c, start.DeepCopy(), served, conflict.WithRequestID("slow"))
	cancel()
	require.Error(t, first)
	require.NoError(t, helpers.UpdateGroupStatusWithRetry(ctx(t), c, start.DeepCopy(), served, conflict.WithRequestID("slow")))
	time.Sleep(4 * time.Second) // past the held write, wherever it went
	got := getGroup(t, name)
	assert.Equal(t, int32(1), got.Status.Size, "applied once (first call: %v)", first)
	assert.Len(t, got.Status.RequestLog, 1)
}
