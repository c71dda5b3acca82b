package conflictgrpc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// An API server that hangs until the client's own HTTP timeout (a rest
// config's Timeout) gives up is a lost answer: UNAVAILABLE, for the client
// to retry. The handler's context has not ended, so it is not
// DEADLINE_EXCEEDED, which tells the client that its own deadline passed.
func TestStatusOfAnAPIServerThatHangs(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	_, err := hc.Get(srv.URL)
	if err == nil {
		t.Fatal("the hung request succeeded")
	}
	err = fmt.Errorf("get Group.infra.example.dev g1: %w", err)
	if s := conflictgrpc.Status(err); s.Code() != codes.Unavailable {
		t.Errorf("%v: %v, want UNAVAILABLE (errors.Is context.DeadlineExceeded: %v)", err, s.Code(), errors.Is(err, context.DeadlineExceeded))
	}
}
