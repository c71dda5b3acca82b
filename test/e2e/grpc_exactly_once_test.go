package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab/providerpb"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// TestGRPCIncreasesAreExactlyOnce: 32 concurrent gRPC clients, each on
// its own connection, send distinct NodeGroupIncreaseSize(+1) requests to
// the homelab Provider on a real gRPC server, whose writes go through the
// fault proxy: it stores every third write and drops its answer, so the
// handler (and the client) cannot know whether an increase landed. Every
// failed call is retried with its request ID until it succeeds. The
// Group's size ends at exactly the number of distinct requests, with
// combining on and off, and also when the serving process is replaced
// mid-run (the server stopped with calls under way, a new client, Provider
// and server started): the request log lives in the Group.
func TestGRPCIncreasesAreExactlyOnce(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "steady", true: "restart"}[restart], func(t *testing.T) {
			modes(t, func(t *testing.T, combining bool) {
				name := fmt.Sprintf("grpc-once-%v-%v", restart, combining)
				c, proxy := proxied(t)
				createGroup(t, newClient(t), name, 0, 1000)
				ps := serveProvider(t, proxy.Config(), conflict.WithCombining(combining))
				proxy.Inject(&harness.Fault{Methods: []string{"PUT"}, LoseAnswer: true, Every: 3})
				defer proxy.Inject(nil)

				const clients, perClient = 32, 3
				var done atomic.Int64
				var mu sync.Mutex
				failures := map[codes.Code]int{}
				var wg sync.WaitGroup
				for range clients {
					cl := ps.dial(t)
					wg.Go(func() {
						for range perClient {
							failed, err := increaseUntilDone(ctx(t), cl, name)
							mu.Lock()
							for _, f := range failed {
								failures[status.Code(f)]++
							}
							mu.Unlock()
							if !assert.NoError(t, err) {
								return
							}
							done.Add(1)
						}
					})
				}
				if restart {
					require.Eventually(t, func() bool { return done.Load() >= clients*perClient/2 }, 5*time.Minute, 10*time.Millisecond)
					ps.restart()
				}
				wg.Wait()

				lost := 0
				for _, w := range proxy.Writes() {
					if w.Faulted && w.Succeeded() {
						lost++
					}
				}
				g := &infrav1alpha1.Group{}
				require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: name}, g))
				t.Logf("%d requests, failed calls by code %v, %d writes stored with their answer lost", clients*perClient, failures, lost)
				require.Positive(t, lost, "some stored writes lost their answer")
				assert.Equal(t, int32(clients*perClient), g.Spec.TargetSize, "each request applied exactly once")
				if log := g.Annotations[conflict.RequestLogAnnotation]; len(strings.Fields(log)) > conflict.RequestLogSize {
					t.Errorf("the log holds %d entries", len(strings.Fields(log)))
				}
			})
		})
	}
}

// TestGRPCRequestRetriedAfterItsEntryExpired: the documented limit. A
// request's entry older than RequestLogTTL still answers a retry until the
// Group's next recorded request prunes it; a retry after that is applied
// again. The entry is aged by rewriting its timestamp, as sixteen minutes
// of waiting would.
func TestGRPCRequestRetriedAfterItsEntryExpired(t *testing.T) {
	c := newClient(t)
	createGroup(t, c, "grpc-expired", 0, 10)
	cl := serveProvider(t, nil).dial(t)
	increase := func(id string) {
		t.Helper()
		_, err := cl.NodeGroupIncreaseSize(conflictgrpc.OutgoingContextWithRequestID(ctx(t), id),
			&providerpb.NodeGroupIncreaseSizeRequest{Id: "grpc-expired", Delta: 1})
		require.NoError(t, err)
	}
	size := func() int32 {
		g := &infrav1alpha1.Group{}
		require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: "grpc-expired"}, g))
		return g.Spec.TargetSize
	}
	old := conflictgrpc.NewRequestID()
	increase(old)
	increase(old)
	require.Equal(t, int32(1), size(), "a retry within the TTL is not applied")

	// Age the entry past the TTL.
	g := &infrav1alpha1.Group{}
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: "grpc-expired"}, g))
	aged := strconv.FormatInt(time.Now().Add(-conflict.RequestLogTTL-time.Minute).Unix(), 10)
	entry, _, _ := strings.Cut(g.Annotations[conflict.RequestLogAnnotation], " ")
	id, _, _ := strings.Cut(entry, "@")
	// The server scopes IDs by caller (homelab.NewGRPCServer): the log
	// holds the form stored for old, a hash, never old itself.
	require.Len(t, id, 64)
	require.NotEqual(t, old, id)
	g.Annotations[conflict.RequestLogAnnotation] = id + "@" + aged
	require.NoError(t, c.Update(ctx(t), g))

	increase(old)
	assert.Equal(t, int32(1), size(), "an expired entry not yet pruned still answers")
	increase(conflictgrpc.NewRequestID())
	assert.Equal(t, int32(2), size(), "a new request is applied, and prunes the expired entry")
	increase(old)
	assert.Equal(t, int32(3), size(), "the retry after its entry was dropped is applied again")
}
