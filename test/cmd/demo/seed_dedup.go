package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab"
)

// This file ports the request deduplication that the seed documents
// recommend for the homelab autoscaler's gRPC server ("gRPC Server Request
// Deduplication", "Idempotency Keys"): an in-memory tracker of results
// keyed by the group, the delta and the current minute, checked before and
// filled after processNodeGroupIncreaseWithRetry. The logic is theirs, line
// for line, without the logging; what the seed leaves out is filled in as
// plainly as possible and marked. The only change is the clock, which the
// demo passes in so that a run takes seconds instead of minutes.

// seedRequestTracker is the seed's RequestTracker: one process's memory.
type seedRequestTracker struct {
	mu       sync.RWMutex
	requests map[string]*seedRequestInfo
	ttl      time.Duration
	now      func() time.Time
}

// seedRequestInfo is the seed's RequestInfo: the first answer for a key,
// an error included.
type seedRequestInfo struct {
	Timestamp time.Time
	Result    *homelab.NodeGroupIncreaseSizeResponse
	Error     error
}

// GetResult and SetResult are not shown by the seed; these are the
// obvious map look-up and store, entries living ttl (the seed's field).
func (t *seedRequestTracker) GetResult(key string) (*seedRequestInfo, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	info, ok := t.requests[key]
	if !ok || t.now().Sub(info.Timestamp) > t.ttl {
		return nil, false
	}
	return info, true
}

func (t *seedRequestTracker) SetResult(key string, result *homelab.NodeGroupIncreaseSizeResponse, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests[key] = &seedRequestInfo{Timestamp: t.now(), Result: result, Error: err}
}

// seedDedupServer is the seed's HomeClusterProviderServer with its
// requestTracker. A new one (a restarted process, or another replica)
// starts with an empty tracker.
type seedDedupServer struct {
	client         client.Client
	requestTracker *seedRequestTracker
	now            func() time.Time
}

// newSeedDedupServer returns a server whose tracker keeps entries for a
// minute of now's clock (the seed does not give its ttl; the key changes
// every minute anyway).
func newSeedDedupServer(c client.Client, now func() time.Time) *seedDedupServer {
	return &seedDedupServer{
		client:         c,
		requestTracker: &seedRequestTracker{requests: map[string]*seedRequestInfo{}, ttl: time.Minute, now: now},
		now:            now,
	}
}

// NodeGroupIncreaseSize is the seed's handler.
func (s *seedDedupServer) NodeGroupIncreaseSize(ctx context.Context, req *homelab.NodeGroupIncreaseSizeRequest) (*homelab.NodeGroupIncreaseSizeResponse, error) {
	// Generate idempotency key
	idempotencyKey := fmt.Sprintf("increase-%s-%d-%d", req.Id, req.Delta, s.now().Unix()/60) // 1-minute window

	// Check for duplicate request
	if result, exists := s.requestTracker.GetResult(idempotencyKey); exists {
		if result.Error != nil {
			return nil, result.Error
		}
		return result.Result, nil
	}

	// Process request with optimistic locking
	response, err := s.processNodeGroupIncreaseWithRetry(ctx, req)

	// Cache result
	s.requestTracker.SetResult(idempotencyKey, response, err)

	return response, err
}

// processNodeGroupIncreaseWithRetry is the seed's: three attempts, the
// next one at once after a conflict.
func (s *seedDedupServer) processNodeGroupIncreaseWithRetry(ctx context.Context, req *homelab.NodeGroupIncreaseSizeRequest) (*homelab.NodeGroupIncreaseSizeResponse, error) {
	const maxRetries = 3

	for attempt := 0; attempt < maxRetries; attempt++ {
		if err := s.processNodeGroupIncrease(ctx, req); err != nil {
			if apierrors.IsConflict(err) {
				continue
			}
			return nil, err
		}
		return &homelab.NodeGroupIncreaseSizeResponse{}, nil
	}

	return nil, status.Errorf(codes.Internal, "failed to increase node group size after %d attempts", maxRetries)
}

// processNodeGroupIncrease is not shown by the seed; this is the read,
// change and write its callers describe.
func (s *seedDedupServer) processNodeGroupIncrease(ctx context.Context, req *homelab.NodeGroupIncreaseSizeRequest) error {
	group := &infrav1alpha1.Group{}
	if err := s.client.Get(ctx, client.ObjectKey{Name: req.Id}, group); err != nil {
		return err
	}
	group.Spec.TargetSize += req.Delta
	return s.client.Update(ctx, group)
}
