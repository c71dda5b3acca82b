package conflictgrpc_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// handlerFunc serves the test service's one method: a string in, a
// string out.
type handlerFunc func(ctx context.Context, in string) (string, error)

const callMethod = "/conflictgrpc.test.Service/Call"

// serviceDesc is a one-method service on wrappers.StringValue messages,
// so the tests need no generated code.
func serviceDesc(h handlerFunc) *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: "conflictgrpc.test.Service",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Call",
			Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				run := func(ctx context.Context, req any) (any, error) {
					out, err := h(ctx, req.(*wrapperspb.StringValue).GetValue())
					if err != nil {
						return nil, err
					}
					return wrapperspb.String(out), nil
				}
				if interceptor == nil {
					return run(ctx, in)
				}
				return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: callMethod}, run)
			},
		}},
	}
}

// serve starts a real gRPC server on a loopback TCP port with the
// server interceptor, and returns a client connection to it through the
// client interceptor.
func serve(t *testing.T, h handlerFunc, serverOpts []conflictgrpc.ServerOption, dialOpts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(conflictgrpc.UnaryServerInterceptor(serverOpts...)))
	srv.RegisterService(serviceDesc(h), nil)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	dialOpts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(conflictgrpc.UnaryClientInterceptor())}, dialOpts...)
	conn, err := grpc.NewClient(lis.Addr().String(), dialOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func call(ctx context.Context, conn *grpc.ClientConn, in string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, callMethod, wrapperspb.String(in), out)
	return out.GetValue(), err
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// echoID answers with the request ID the handler's context holds.
func echoID(ctx context.Context, _ string) (string, error) {
	id, ok := conflict.RequestIDFromContext(ctx)
	if !ok {
		return "<none>", nil
	}
	return id, nil
}

// The client stamps a fresh valid ID on each call, the server puts it
// into the handler's context; an ID the caller set is kept.
func TestRequestIDReachesTheHandler(t *testing.T) {
	conn := serve(t, echoID, nil)
	first, err := call(testCtx(t), conn, "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := call(testCtx(t), conn, "")
	if err != nil {
		t.Fatal(err)
	}
	if first == second || len(first) != 36 || conflict.ValidateRequestID(first) != nil {
		t.Errorf("IDs %q and %q: want two distinct valid UUIDs", first, second)
	}
	ctx := conflictgrpc.OutgoingContextWithRequestID(testCtx(t), "app-chosen-1")
	for range 2 {
		if got, err := call(ctx, conn, ""); err != nil || got != "app-chosen-1" {
			t.Errorf("with the caller's ID: %q, %v", got, err)
		}
	}
	// Without the client interceptor, a call carries no ID and the
	// handler runs without one.
	plain, err := grpc.NewClient(conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if got, err := call(testCtx(t), plain, ""); err != nil || got != "<none>" {
		t.Errorf("without an ID: %q, %v", got, err)
	}
}

// A malformed, oversized or repeated ID is refused with INVALID_ARGUMENT
// and the handler does not run.
func TestInvalidRequestIDIsRefused(t *testing.T) {
	var ran sync.Map
	conn := serve(t, func(_ context.Context, in string) (string, error) { ran.Store(in, true); return "", nil }, nil)
	long := strings.Repeat("a", 129)
	for _, md := range []metadata.MD{
		metadata.Pairs(conflictgrpc.RequestIDHeader, "white space"),
		metadata.Pairs(conflictgrpc.RequestIDHeader, long),
		metadata.Pairs(conflictgrpc.RequestIDHeader, ""),
		metadata.Pairs(conflictgrpc.RequestIDHeader, "a", conflictgrpc.RequestIDHeader, "b"),
	} {
		ctx := metadata.NewOutgoingContext(testCtx(t), md)
		_, err := call(ctx, conn, md[conflictgrpc.RequestIDHeader][0])
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%v: %v, want INVALID_ARGUMENT", md, err)
		}
		if _, ok := ran.Load(md[conflictgrpc.RequestIDHeader][0]); ok {
			t.Errorf("%v: the handler ran", md)
		}
	}
	_, err := call(metadata.NewOutgoingContext(testCtx(t), metadata.Pairs(conflictgrpc.RequestIDHeader, "bad id")), conn, "")
	var violations []*errdetails.BadRequest_FieldViolation
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			violations = br.GetFieldViolations()
		}
	}
	if len(violations) != 1 || violations[0].GetField() != conflictgrpc.RequestIDHeader {
		t.Errorf("details %v: want a BadRequest violation on %s", status.Convert(err).Details(), conflictgrpc.RequestIDHeader)
	}
}

// counterKind is a ConfigMap whose "n" counts the requests applied to it.
var counterKind = conflict.Kind{GroupKind: schema.GroupKind{Kind: "ConfigMap"}}

// increment is a handler that adds one to the ConfigMap's counter through
// the runtime, exactly once per request ID.
func increment(c client.Client) handlerFunc {
	return func(ctx context.Context, _ string) (string, error) {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "counter"}}
		err := conflict.Update(ctx, c, counterKind, cm, func(cm *corev1.ConfigMap) error {
			n, _ := strconv.Atoi(cm.Data["n"])
			cm.Data = map[string]string{"n": strconv.Itoa(n + 1)}
			return nil
		})
		return cm.Data["n"], err
	}
}

func counterClient() client.Client {
	return fake.NewClientBuilder().WithObjects(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "counter"}}).Build()
}

func counter(t *testing.T, c client.Client) string {
	cm := &corev1.ConfigMap{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "counter"}, cm); err != nil {
		t.Fatal(err)
	}
	return cm.Data["n"]
}

// callerMetadata is a stand-in for an authenticated identity: the
// "caller" metadata.
func callerMetadata(ctx context.Context) (string, bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("caller"); len(v) == 1 {
		return v[0], true
	}
	return "", false
}

// With identity scoping, one caller sending another's request ID does
// not pre-empt it: both requests are applied, and each caller's own
// retry is not. Without scoping, the second caller's request would be
// taken for the first's (shown for contrast).
func TestIdentityScopingKeepsCallersApart(t *testing.T) {
	as := func(who, id string) context.Context {
		return conflictgrpc.OutgoingContextWithRequestID(metadata.AppendToOutgoingContext(testCtx(t), "caller", who), id)
	}
	for _, scoped := range []bool{true, false} {
		t.Run(map[bool]string{true: "scoped", false: "unscoped"}[scoped], func(t *testing.T) {
			c := counterClient()
			var opts []conflictgrpc.ServerOption
			if scoped {
				opts = append(opts, conflictgrpc.WithIdentity(callerMetadata))
			}
			conn := serve(t, increment(c), opts)
			for _, ctx := range []context.Context{as("alice", "shared-id"), as("mallory", "shared-id"), as("alice", "shared-id"), as("mallory", "shared-id")} {
				if _, err := call(ctx, conn, ""); err != nil {
					t.Fatal(err)
				}
			}
			want := map[bool]string{true: "2", false: "1"}[scoped]
			if got := counter(t, c); got != want {
				t.Errorf("counter %s, want %s", got, want)
			}
		})
	}
	// The scoped ID is within the runtime's limits whatever the identity.
	conn := serve(t, echoID, []conflictgrpc.ServerOption{conflictgrpc.WithIdentity(callerMetadata)})
	long := "CN=" + strings.Repeat("x", 4000)
	id, err := call(as(long, "id-1"), conn, "")
	if err != nil || conflict.ValidateRequestID(id) != nil {
		t.Errorf("scoped ID %q: %v", id, err)
	}
}

// grpc-go retries a call below the client interceptor: every attempt
// carries the call's one ID, and a new call gets a new one.
func TestClientKeepsTheIDAcrossGRPCRetries(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	conn := serve(t, func(ctx context.Context, _ string) (string, error) {
		id, _ := conflict.RequestIDFromContext(ctx)
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, id)
		if len(seen)%2 == 1 {
			return "", status.Error(codes.Unavailable, "first attempt fails")
		}
		return id, nil
	}, nil, grpc.WithDefaultServiceConfig(`{"methodConfig": [{
		"name": [{"service": "conflictgrpc.test.Service"}],
		"retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
			"backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}`))
	for range 2 {
		if _, err := call(testCtx(t), conn, ""); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 || seen[0] != seen[1] || seen[2] != seen[3] || seen[0] == seen[2] || seen[0] == "" {
		t.Errorf("IDs per attempt %q: want two calls of two attempts, one ID per call", seen)
	}
}

// The handler's errors reach the client mapped, with their details.
func TestServerMapsHandlerErrors(t *testing.T) {
	conn := serve(t, func(context.Context, string) (string, error) {
		return "", &conflict.Error{Kind: schema.GroupKind{Kind: "ConfigMap"}, Err: conflict409}
	}, nil)
	_, err := call(testCtx(t), conn, "")
	s := status.Convert(err)
	if s.Code() != codes.Aborted || len(s.Details()) != 1 {
		t.Fatalf("%v %v: want ABORTED with RetryInfo", s.Code(), s.Details())
	}
	if ri, ok := s.Details()[0].(*errdetails.RetryInfo); !ok || ri.GetRetryDelay().AsDuration() != conflictgrpc.AbortedRetryDelay {
		t.Errorf("detail %v", s.Details()[0])
	}
}
