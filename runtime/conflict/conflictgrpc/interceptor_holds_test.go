package conflictgrpc_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// A handler whose goroutines write different objects, each twice, in one
// request: the calls for one object count apart from the others', so
// every write is applied once, and the request retried under its ID
// applies none again, however the goroutines interleave.
func TestGoroutinesOfOneHandlerWritingDifferentObjects(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	builder := fake.NewClientBuilder()
	for _, n := range names {
		builder = builder.WithObjects(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: n}})
	}
	c := builder.Build()
	bump := func(ctx context.Context, name string) error {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
		return conflict.Update(ctx, c, counterKind, cm, func(cm *corev1.ConfigMap) error {
			n, _ := strconv.Atoi(cm.Data["n"])
			cm.Data = map[string]string{"n": strconv.Itoa(n + 1)}
			return nil
		})
	}
	conn := serve(t, func(ctx context.Context, _ string) (string, error) {
		var wg sync.WaitGroup
		errs := make([]error, len(names))
		for i, name := range names {
			wg.Go(func() {
				for range 2 {
					if err := bump(ctx, name); err != nil {
						errs[i] = err
						return
					}
				}
			})
		}
		wg.Wait()
		return "", errors.Join(errs...)
	}, nil)
	ctx := conflictgrpc.OutgoingContextWithRequestID(testCtx(t), "one-request")
	for range 3 {
		if _, err := call(ctx, conn, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		cm := &corev1.ConfigMap{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: name}, cm); err != nil {
			t.Fatal(err)
		}
		if cm.Data["n"] != "2" {
			t.Errorf("%s: n = %q, log %q; want 2: both writes once", name, cm.Data["n"], cm.Annotations[conflict.RequestLogAnnotation])
		}
	}
}

// A handler's own gRPC status, wrapped or not, reaches the client as it
// is through the server interceptor.
func TestHandlerStatusPassesThroughTheInterceptor(t *testing.T) {
	own := status.Error(codes.FailedPrecondition, "size increase too large")
	for _, err := range []error{own, fmt.Errorf("increase: %w", own)} {
		conn := serve(t, func(context.Context, string) (string, error) { return "", err }, nil)
		_, got := call(testCtx(t), conn, "")
		if s := status.Convert(got); s.Code() != codes.FailedPrecondition || s.Message() != "size increase too large" {
			t.Errorf("%v: client got %v %q", err, s.Code(), s.Message())
		}
	}
}
