package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// TestRequestIDsMakeRetriesExactlyOnce: the proxy stores every third
// write and loses its answer, so callers cannot know whether their
// increment landed. Each of 64 distinct requests is retried with its own
// request ID until it succeeds: the object holds exactly 64 increments,
// with combining on and off. Without request IDs the same retries apply
// lost-answer requests twice (a run logs how many).
func TestRequestIDsMakeRetriesExactlyOnce(t *testing.T) {
	for _, withIDs := range []bool{true, false} {
		t.Run(map[bool]string{true: "ids", false: "no-ids"}[withIDs], func(t *testing.T) {
			modes(t, func(t *testing.T, combining bool) {
				name := fmt.Sprintf("request-ids-%v-%v", withIDs, combining)
				c, proxy := proxied(t)
				start := createNode(t, c, name)
				proxy.Inject(&harness.Fault{LoseAnswer: true, Every: 3})
				defer proxy.Inject(nil)

				const requests, workers = 64, 8
				var next, retries atomic.Int64
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						for r := next.Add(1); r <= requests; r = next.Add(1) {
							opts := []conflict.Option{conflict.WithCombining(combining)}
							if withIDs {
								opts = append(opts, conflict.WithRequestID(fmt.Sprintf("%s-%d", name, r)))
							}
							for attempt := 0; ; attempt++ {
								cctx, cancel := context.WithTimeout(ctx(t), 10*time.Second)
								err := helpers.UpdateNodeWithRetry(cctx, c, start.DeepCopy(), func(n *infrav1alpha1.Node) error {
									n.Spec.Pricing++
									return nil
								}, opts...)
								cancel()
								if err == nil {
									break
								}
								require.Less(t, attempt, 200, "request %d never succeeded: %v", r, err)
								retries.Add(1)
							}
						}
					})
				}
				wg.Wait()
				got := getNode(t, c, name).Spec.Pricing
				t.Logf("%d requests, %d retried calls, %d increments on the object", requests, retries.Load(), got)
				require.Positive(t, retries.Load(), "some answers were lost")
				if withIDs {
					assert.Equal(t, int64(requests), got, "each request applied exactly once")
				} else {
					// For contrast: a retry of a stored write whose answer
					// was lost applies it again (unless every lost answer
					// happened to be a 409's).
					assert.GreaterOrEqual(t, got, int64(requests))
				}
			})
		})
	}
}
