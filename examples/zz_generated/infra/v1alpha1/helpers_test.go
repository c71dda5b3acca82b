package v1alpha1_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// fastBackoff keeps contended tests short; the retry logic is the same.
var fastBackoff = conflict.WithBackoff(conflict.Backoff{Initial: 100 * time.Microsecond, Factor: 2, Jitter: 1, Cap: 5 * time.Millisecond})

var nodeGR = schema.GroupResource{Group: infrav1alpha1.GroupVersion.Group, Resource: "nodes"}

// calls counts the API calls that reach the fake server.
type calls struct {
	gets, updates, statusUpdates, creates atomic.Int32
}

// env is a fake API server holding one Node, with optional faults.
type env struct {
	client client.Client
	calls  *calls
}

type faults struct {
	update       func(n int32, obj client.Object) error // n counts updates, from 1
	statusUpdate func(n int32, obj client.Object) error
}

func newEnv(t *testing.T, f faults, objs ...client.Object) *env {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, infrav1alpha1.AddToScheme(scheme))
	cl := &calls{}
	c := fake.NewClientBuilder().
		WithScheme(scheme).
		WithObjects(objs...).
		WithStatusSubresource(&infrav1alpha1.Node{}, &infrav1alpha1.Group{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				cl.gets.Add(1)
				return c.Get(ctx, key, obj, opts...)
			},
			Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
				cl.creates.Add(1)
				return c.Create(ctx, obj, opts...)
			},
			Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
				n := cl.updates.Add(1)
				if f.update != nil {
					if err := f.update(n, obj); err != nil {
						return err
					}
				}
				return c.Update(ctx, obj, opts...)
			},
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				n := cl.statusUpdates.Add(1)
				if f.statusUpdate != nil {
					if err := f.statusUpdate(n, obj); err != nil {
						return err
					}
				}
				return c.SubResource(sub).Update(ctx, obj, opts...)
			},
		}).
		Build()
	// The interceptor is a struct value with func fields, which cannot be
	// a map key, so the helpers would not combine its calls; behind a
	// pointer, as a real client is, they do.
	return &env{client: &pointerClient{c}, calls: cl}
}

// pointerClient gives a client value the identity of a pointer.
type pointerClient struct{ client.Client }

func newNode(name string) *infrav1alpha1.Node {
	return &infrav1alpha1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec:       infrav1alpha1.NodeSpec{DesiredPowerState: infrav1alpha1.PowerStateOff, GroupRef: "g"},
	}
}

func (e *env) node(t *testing.T, name string) *infrav1alpha1.Node {
	t.Helper()
	n := &infrav1alpha1.Node{}
	require.NoError(t, e.client.Get(context.Background(), client.ObjectKey{Name: name}, n))
	return n
}

func conflictErr(name string) error {
	return apierrors.NewConflict(nodeGR, name, errors.New("the object has been modified"))
}

func TestConcurrentIncrementsAreAllApplied(t *testing.T) {
	const workers, perWorker = 16, 25
	for _, tc := range []struct {
		name   string
		update func(context.Context, client.Client, *infrav1alpha1.Node, func(*infrav1alpha1.Node) error, ...conflict.Option) error
		inc    func(*infrav1alpha1.Node)
		read   func(*infrav1alpha1.Node) int64
	}{
		{"spec", helpers.UpdateNodeWithRetry, func(n *infrav1alpha1.Node) { n.Spec.Pricing++ }, func(n *infrav1alpha1.Node) int64 { return n.Spec.Pricing }},
		{"status", helpers.UpdateNodeStatusWithRetry, func(n *infrav1alpha1.Node) { n.Status.Count++ }, func(n *infrav1alpha1.Node) int64 { return n.Status.Count }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, faults{}, newNode("n1"))
			var wg sync.WaitGroup
			errs := make(chan error, workers*perWorker)
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range perWorker {
						obj := &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
						errs <- tc.update(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
							tc.inc(n)
							return nil
						}, fastBackoff)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			assert.Equal(t, int64(workers*perWorker), tc.read(e.node(t, "n1")))
			t.Logf("%d increments: %d reads, %d updates, %d status updates",
				workers*perWorker, e.calls.gets.Load(), e.calls.updates.Load(), e.calls.statusUpdates.Load())
		})
	}
}

func TestCurrentObjectCostsOneWriteAndNoRead(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	obj := e.node(t, "n1")
	e.calls.gets.Store(0)

	err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 7
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, int32(0), e.calls.gets.Load(), "reads")
	assert.Equal(t, int32(1), e.calls.updates.Load(), "writes")
	assert.Equal(t, int64(7), obj.Spec.Pricing, "obj holds the server's answer")
	assert.Equal(t, e.node(t, "n1").ResourceVersion, obj.ResourceVersion)
}

// A mutate that changes nothing writes nothing. The caller's obj may be
// stale or already edited, so "nothing to write" is confirmed with one read
// (mutate runs again on it) before it is reported.
func TestNoOpMutateWritesNothing(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	obj := e.node(t, "n1")
	e.calls.gets.Store(0)
	ran := 0
	err := helpers.UpdateNodeStatusWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		ran++
		n.Spec.GroupRef = "g" // already so
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, ran, "once on obj, once on the confirming read")
	assert.Equal(t, int32(0), e.calls.updates.Load()+e.calls.statusUpdates.Load(), "writes")
	assert.Equal(t, int32(1), e.calls.gets.Load(), "reads")
}

// The status helper writes status only; a spec change made with it would
// be dropped by the API server, so it is refused and nothing is written.
func TestStatusHelperRefusesSpecChanges(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	obj := &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	err := helpers.UpdateNodeStatusWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOn // the status subresource drops it
		n.Status.PowerState = infrav1alpha1.PowerStateOn
		return nil
	})
	var sub *conflict.SubresourceError
	require.ErrorAs(t, err, &sub)
	assert.Equal(t, []string{"spec"}, sub.Fields)
	assert.Equal(t, "UpdateNodeWithRetry", sub.Use)
	got := e.node(t, "n1")
	assert.Equal(t, infrav1alpha1.PowerStateOff, got.Spec.DesiredPowerState)
	assert.Empty(t, got.Status.PowerState)
	assert.Equal(t, int32(0), e.calls.updates.Load()+e.calls.statusUpdates.Load(), "writes")

	err = helpers.UpdateNodeStatusWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Status.PowerState = infrav1alpha1.PowerStateOn
		n.Status.Progress = infrav1alpha1.ProgressStartingUp
		return nil
	})
	require.NoError(t, err)
	got = e.node(t, "n1")
	assert.Equal(t, infrav1alpha1.PowerStateOn, got.Status.PowerState)
	assert.Equal(t, infrav1alpha1.ProgressStartingUp, got.Status.Progress)
	assert.Equal(t, int32(0), e.calls.updates.Load(), "no write outside the status subresource")
	assert.Equal(t, int32(1), e.calls.statusUpdates.Load())
}

func TestConflictRereadsAndReappliesMutate(t *testing.T) {
	e := newEnv(t, faults{update: func(n int32, obj client.Object) error {
		if n == 1 {
			return conflictErr(obj.GetName())
		}
		return nil
	}}, newNode("n1"))
	obj := e.node(t, "n1")
	e.calls.gets.Store(0)
	runs := 0
	err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		runs++
		n.Spec.Pricing++
		return nil
	}, fastBackoff)
	require.NoError(t, err)
	assert.Equal(t, 2, runs, "mutate runs once per attempt")
	assert.Equal(t, int32(1), e.calls.gets.Load(), "one read per conflict")
	assert.Equal(t, int64(1), e.node(t, "n1").Spec.Pricing, "applied once")
}

func TestRetriesExhaustedGiveTypedConflictError(t *testing.T) {
	e := newEnv(t, faults{update: func(_ int32, obj client.Object) error { return conflictErr(obj.GetName()) }}, newNode("n1"))
	obj := e.node(t, "n1")
	err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 99
		return nil
	}, fastBackoff, conflict.WithBudget(50*time.Millisecond))

	var cerr *conflict.Error
	require.ErrorAs(t, err, &cerr)
	assert.True(t, apierrors.IsConflict(err), "still a conflict for apierrors")
	assert.Equal(t, schema.GroupKind{Group: "infra.homelab-autoscaler.dev", Kind: "Node"}, cerr.Kind)
	assert.Equal(t, client.ObjectKey{Name: "n1"}, cerr.Key)
	assert.Equal(t, conflict.OperationUpdate, cerr.Operation)
	assert.Greater(t, cerr.Attempts, 1)
	assert.Equal(t, e.calls.updates.Load(), int32(cerr.Attempts))
	assert.Equal(t, obj.ResourceVersion, cerr.ResourceVersion)
	assert.Contains(t, err.Error(), "Node.infra.homelab-autoscaler.dev")
	assert.Equal(t, int64(0), e.node(t, "n1").Spec.Pricing, "nothing written")
}

func TestContextCancelDuringBackoffReturnsPromptly(t *testing.T) {
	e := newEnv(t, faults{update: func(_ int32, obj client.Object) error { return conflictErr(obj.GetName()) }}, newNode("n1"))
	obj := e.node(t, "n1")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		done <- helpers.UpdateNodeWithRetry(ctx, e.client, obj, func(n *infrav1alpha1.Node) error {
			n.Spec.Pricing = 1
			return nil
		}, conflict.WithBackoff(conflict.Backoff{Initial: time.Hour, Factor: 1}), conflict.WithBudget(2*time.Hour))
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
		var cerr *conflict.Error
		require.ErrorAs(t, err, &cerr)
		assert.Equal(t, 1, cerr.Attempts)
	case <-time.After(10 * time.Second):
		t.Fatal("the helper did not return after its context was cancelled during a one-hour backoff")
	}
}

func TestContextDeadlineShorterThanBackoffGivesUpAtOnce(t *testing.T) {
	e := newEnv(t, faults{update: func(_ int32, obj client.Object) error { return conflictErr(obj.GetName()) }}, newNode("n1"))
	obj := e.node(t, "n1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := helpers.UpdateNodeWithRetry(ctx, e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 1
		return nil
	}, conflict.WithBackoff(conflict.Backoff{Initial: time.Hour, Factor: 1}), conflict.WithBudget(2*time.Hour))
	var cerr *conflict.Error
	require.ErrorAs(t, err, &cerr)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the context's deadline left no room for a retry")
	assert.True(t, apierrors.IsConflict(err), "and the last API error was a conflict")
	assert.NoError(t, ctx.Err(), "given up at once, not after waiting for the deadline")
	assert.Equal(t, int32(1), e.calls.updates.Load())
}

func TestNonConflictErrorsAreNotRetried(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: nodeGR.Group, Kind: "Node"}, "n1", nil)
	for name, apiErr := range map[string]error{
		"invalid":  invalid,
		"internal": apierrors.NewInternalError(errors.New("etcd is down")),
		"notFound": apierrors.NewNotFound(nodeGR, "n1"),
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, faults{update: func(int32, client.Object) error { return apiErr }}, newNode("n1"))
			obj := e.node(t, "n1")
			err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
				n.Spec.Pricing = 5
				return nil
			}, fastBackoff)
			require.ErrorIs(t, err, apiErr)
			assert.Equal(t, int32(1), e.calls.updates.Load())
			var cerr *conflict.Error
			assert.False(t, errors.As(err, &cerr))
		})
	}
}

func TestMutateErrorAbortsWithoutWriting(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	obj := e.node(t, "n1")
	boom := errors.New("boom")
	err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 5
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, int32(0), e.calls.updates.Load())
	assert.Equal(t, int64(0), obj.Spec.Pricing, "obj is untouched")
}

func TestMutateMustNotChangeIdentity(t *testing.T) {
	e := newEnv(t, faults{}, newNode("n1"))
	obj := e.node(t, "n1")
	err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.ResourceVersion = ""
		n.Spec.Pricing = 5
		return nil
	})
	require.ErrorIs(t, err, conflict.ErrInvalidMutation)
	assert.Equal(t, int32(0), e.calls.updates.Load())
}

func TestRecreatedObjectIsNotWritten(t *testing.T) {
	for _, tc := range []struct {
		name      string
		combining bool
		byName    bool // the caller names the object without having read it
	}{
		{"read, alone", false, false},
		{"read, combined", true, false},
		{"by name, alone", false, true},
		{"by name, combined", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *env
			e = newEnv(t, faults{update: func(n int32, obj client.Object) error {
				if n == 1 {
					// Another actor deletes the Node and creates a new one of
					// the same name while our write is in flight.
					ctx := context.Background()
					old := &infrav1alpha1.Node{}
					if err := e.client.Get(ctx, client.ObjectKeyFromObject(obj), old); err != nil {
						return err
					}
					if err := e.client.Delete(ctx, old); err != nil {
						return err
					}
					fresh := newNode(obj.GetName())
					fresh.UID = "uid-recreated"
					if err := e.client.Create(ctx, fresh); err != nil {
						return err
					}
					return conflictErr(obj.GetName())
				}
				return nil
			}}, newNode("n1"))
			obj := e.node(t, "n1")
			if tc.byName {
				obj = &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
			}
			err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
				n.Spec.Pricing = 42
				return nil
			}, fastBackoff, conflict.WithCombining(tc.combining))
			require.ErrorIs(t, err, conflict.ErrObjectReplaced)
			got := e.node(t, "n1")
			assert.Equal(t, types.UID("uid-recreated"), got.UID)
			assert.Equal(t, int64(0), got.Spec.Pricing, "the new object is not written")
			assert.Equal(t, int32(1), e.calls.updates.Load())
		})
	}
}

func TestCreateOrUpdate(t *testing.T) {
	e := newEnv(t, faults{})
	ctx := context.Background()
	setOn := func(n *infrav1alpha1.Node) error {
		n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOn
		n.Spec.GroupRef = "g"
		return nil
	}

	obj := &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	res, err := helpers.CreateOrUpdateNodeWithRetry(ctx, e.client, obj, setOn)
	require.NoError(t, err)
	assert.Equal(t, controllerutil.OperationResultCreated, res)
	assert.NotEmpty(t, obj.ResourceVersion, "obj holds the created object")

	res, err = helpers.CreateOrUpdateNodeWithRetry(ctx, e.client, &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, setOn)
	require.NoError(t, err)
	assert.Equal(t, controllerutil.OperationResultNone, res)

	res, err = helpers.CreateOrUpdateNodeWithRetry(ctx, e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing = 3
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, controllerutil.OperationResultUpdated, res)
	assert.Equal(t, int64(3), e.node(t, "n1").Spec.Pricing)
	assert.Equal(t, int32(1), e.calls.creates.Load())
}

func TestCreateOrUpdateWhenAnotherWriterCreatesFirst(t *testing.T) {
	ctx := context.Background()
	var e *env
	scheme := runtime.NewScheme()
	require.NoError(t, infrav1alpha1.AddToScheme(scheme))
	raced := false
	base := fake.NewClientBuilder().WithScheme(scheme).Build()
	c := interceptor.NewClient(base, interceptor.Funcs{Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
		if !raced {
			raced = true
			other := newNode(obj.GetName())
			other.Spec.Pricing = 10
			if err := c.Create(ctx, other); err != nil {
				return err
			}
		}
		return c.Create(ctx, obj, opts...)
	}})
	e = &env{client: c}
	obj := &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	res, err := helpers.CreateOrUpdateNodeWithRetry(ctx, e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.DesiredPowerState = infrav1alpha1.PowerStateOn
		n.Spec.GroupRef = "mine"
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, controllerutil.OperationResultUpdated, res)
	got := e.node(t, "n1")
	assert.Equal(t, "mine", got.Spec.GroupRef, "our mutate applied to their object")
	assert.Equal(t, int64(10), got.Spec.Pricing, "their fields kept")
}

// countingReader stands in for mgr.GetAPIReader().
type countingReader struct {
	client.Reader
	gets atomic.Int32
}

func (r *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	r.gets.Add(1)
	return r.Reader.Get(ctx, key, obj, opts...)
}

func TestWithReaderReadsThroughTheGivenReader(t *testing.T) {
	e := newEnv(t, faults{update: func(n int32, obj client.Object) error {
		if n == 1 {
			return conflictErr(obj.GetName())
		}
		return nil
	}}, newNode("n1"))
	obj := e.node(t, "n1")
	e.calls.gets.Store(0)
	reader := &countingReader{Reader: e.client}
	err := helpers.UpdateNodeWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Spec.Pricing++
		return nil
	}, fastBackoff, conflict.WithReader(reader))
	require.NoError(t, err)
	assert.Equal(t, int32(1), reader.gets.Load())
	assert.Equal(t, int32(1), e.calls.gets.Load(), "the reader's one read, and none through the client itself")
}

func TestMetricsInARealRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := conflict.NewMetrics(reg)
	require.NoError(t, err)
	e := newEnv(t, faults{statusUpdate: func(n int32, obj client.Object) error {
		if n <= 2 {
			return conflictErr(obj.GetName())
		}
		return nil
	}}, newNode("n1"))
	obj := e.node(t, "n1")
	err = helpers.UpdateNodeStatusWithRetry(context.Background(), e.client, obj, func(n *infrav1alpha1.Node) error {
		n.Status.Count++
		return nil
	}, fastBackoff, conflict.WithMetrics(m))
	require.NoError(t, err)

	labels := []string{"infra.homelab-autoscaler.dev", "Node", "update_status"}
	families, err := reg.Gather()
	require.NoError(t, err)
	var conflicts, attemptsSum float64
	var attemptsCount uint64
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
		for _, metric := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range metric.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			assert.Equal(t, map[string]string{"group": labels[0], "kind": labels[1], "operation": labels[2]}, got)
			switch f.GetName() {
			case "conflictgen_conflicts_total":
				conflicts = metric.GetCounter().GetValue()
			case "conflictgen_attempts":
				attemptsSum = metric.GetHistogram().GetSampleSum()
				attemptsCount = metric.GetHistogram().GetSampleCount()
			}
		}
	}
	assert.Equal(t, 2.0, conflicts)
	assert.Equal(t, uint64(1), attemptsCount)
	assert.Equal(t, 3.0, attemptsSum)
	assert.False(t, names["conflictgen_retries_exhausted_total"], "no call gave up")

	again, err := conflict.NewMetrics(reg)
	require.NoError(t, err, "registering twice reuses the collectors")
	assert.NotNil(t, again)
}

func TestObservedGenerationAndConditions(t *testing.T) {
	n := newNode("n1")
	n.Generation = 3
	assert.True(t, helpers.NodeNeedsReconcile(n))
	helpers.SetNodeObservedGeneration(n)
	assert.Equal(t, int64(3), n.Status.ObservedGeneration)
	assert.False(t, helpers.NodeNeedsReconcile(n))

	ready := metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "PoweringOn", Message: "starting"}
	assert.True(t, helpers.SetNodeCondition(n, ready))
	got := meta.FindStatusCondition(n.Status.Conditions, "Ready")
	require.NotNil(t, got)
	assert.Equal(t, int64(3), got.ObservedGeneration, "stamped from the object's generation")
	firstTransition := got.LastTransitionTime
	assert.False(t, firstTransition.IsZero())

	assert.False(t, helpers.SetNodeCondition(n, ready), "setting the same condition again changes nothing")

	n.Generation = 4
	ready.Message = "still starting"
	assert.True(t, helpers.SetNodeCondition(n, ready))
	got = meta.FindStatusCondition(n.Status.Conditions, "Ready")
	assert.Equal(t, int64(4), got.ObservedGeneration)
	assert.Equal(t, firstTransition, got.LastTransitionTime, "the status did not change, so neither does the transition time")
	assert.True(t, helpers.NodeNeedsReconcile(n))
}

var (
	t1 = metav1.NewTime(time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC))
	t2 = metav1.NewTime(time.Date(2026, 1, 1, 0, 2, 0, 0, time.UTC))
)
