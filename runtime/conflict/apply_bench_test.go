package conflict_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The benchmarks of this file measure what an ApplyStatus costs on the
// client side, the request excluded: a client answers every apply at
// once with the object as the API server would store it. The object is
// the one of the bench's status workload: a status written by four field
// managers, each owning a field and eight conditions.

const (
	benchManagers   = 4
	benchConditions = 8 // per manager
)

// benchWidget is the stored object: every manager's conditions and
// managedFields.
func benchWidget() *Widget {
	w := &Widget{ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: testNamespace, UID: "uid-1",
		ResourceVersion: "1", Generation: 1}}
	w.Spec.Owner = "bench"
	w.Status.Ready = true
	w.Status.ObservedGeneration = 1
	for m := range benchManagers {
		var owned []string
		for c := range benchConditions {
			typ := fmt.Sprintf("P%d-W%d", m, c)
			w.Status.Conditions = append(w.Status.Conditions, metav1.Condition{Type: typ, Status: metav1.ConditionTrue,
				Reason: "Bench", Message: "0", LastTransitionTime: metav1.Unix(1, 0)})
			owned = append(owned, fmt.Sprintf(`"k:{\"type\":\"%s\"}":{".":{},"f:lastTransitionTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}`, typ))
		}
		w.ManagedFields = append(w.ManagedFields, metav1.ManagedFieldsEntry{Manager: benchOwner(m),
			Operation: metav1.ManagedFieldsOperationApply, Subresource: "status", APIVersion: widgetGV.String(),
			FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:status":{"f:conditions":{` + strings.Join(owned, ",") + `}}}`)}})
	}
	w.ManagedFields = append(w.ManagedFields, metav1.ManagedFieldsEntry{Manager: "creator",
		Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: widgetGV.String(),
		FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:owner":{}}}`)}})
	return w
}

func benchOwner(m int) string { return "bench-" + strconv.Itoa(m) }

// answeringClient answers every status apply with a copy of stored under
// a new resourceVersion, at once: what is left is the runtime's own work.
type answeringClient struct {
	client.Client
	stored   *Widget
	rv       atomic.Int64
	requests atomic.Int64
	// delay is how long each answer takes, as the API server's would.
	delay time.Duration
}

func newAnsweringClient() *answeringClient {
	return &answeringClient{Client: nil, stored: benchWidget()}
}

func (a *answeringClient) Scheme() *runtime.Scheme { return benchScheme }

var benchScheme = newScheme()

func (a *answeringClient) Status() client.SubResourceWriter { return answeringWriter{a} }

type answeringWriter struct{ a *answeringClient }

func (w answeringWriter) Patch(_ context.Context, obj client.Object, _ client.Patch, _ ...client.SubResourcePatchOption) error {
	w.a.requests.Add(1)
	time.Sleep(w.a.delay)
	answer := w.a.stored.DeepCopy()
	answer.ResourceVersion = strconv.FormatInt(w.a.rv.Add(1)+1, 10)
	*obj.(*Widget) = *answer
	return nil
}

func (answeringWriter) Create(context.Context, client.Object, client.Object, ...client.SubResourceCreateOption) error {
	panic("not used")
}

func (answeringWriter) Update(context.Context, client.Object, ...client.SubResourceUpdateOption) error {
	panic("not used")
}

func (answeringWriter) Apply(context.Context, runtime.ApplyConfiguration, ...client.SubResourceApplyOption) error {
	panic("not used")
}

// benchMutate sets manager m's condition c to message n and its status
// field, as a worker of the bench's status workload does.
func benchMutate(c, n int) func(*Widget) error {
	return func(w *Widget) error {
		w.Status.ObservedGeneration = int64(n)
		for i := range w.Status.Conditions {
			if w.Status.Conditions[i].Type == fmt.Sprintf("P0-W%d", c) {
				w.Status.Conditions[i].Message = strconv.Itoa(n)
			}
		}
		return nil
	}
}

// BenchmarkApplyStatus is one ApplyStatus that sends a request, by one
// goroutine (serial: a request per call) and by eight at once
// (parallel: the calls that queue meanwhile share a request), on the
// object of four managers; ns/op is per call, requests/op says how many
// requests the calls shared. The answers come at once, except in
// parallel-8-answer-5ms, where each takes 5ms, as a loaded API server's
// would: there requests/op shows how many calls the wait for the callers
// just answered gathers (apply_gather.go).
func BenchmarkApplyStatus(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		c := newAnsweringClient()
		obj := benchWidget()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := applyWidgetStatus(context.Background(), c, obj, benchMutate(0, i+1), conflict.WithFieldOwner(benchOwner(0))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(c.requests.Load())/float64(b.N), "requests/op")
	})
	b.Run("parallel-8", func(b *testing.B) { benchmarkParallel(b, 0) })
	b.Run("parallel-8-answer-5ms", func(b *testing.B) { benchmarkParallel(b, 5*time.Millisecond) })
}

// benchmarkParallel runs b.N applies from eight goroutines, each answered
// after delay.
func benchmarkParallel(b *testing.B, delay time.Duration) {
	c := newAnsweringClient()
	c.delay = delay
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for g := range benchConditions {
		wg.Go(func() {
			obj := benchWidget()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if err := applyWidgetStatus(context.Background(), c, obj, benchMutate(g, int(n)), conflict.WithFieldOwner(benchOwner(0))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(c.requests.Load())/float64(b.N), "requests/op")
}
