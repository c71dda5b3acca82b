package conflict_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	goruntime "runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// widgetsGR is the resource the fake errors name.
var widgetsGR = schema.GroupResource{Group: widgetGV.Group, Resource: "widgets"}

const (
	testNamespace = "ns"
	testName      = "w"
	// hangTimeout bounds every wait for a call that could deadlock or hang.
	hangTimeout = 5 * time.Second
	// settle lets goroutines that were just started reach the runtime and
	// queue behind a write that is held.
	settle = 200 * time.Millisecond
)

var testKey = client.ObjectKey{Namespace: testNamespace, Name: testName}

// seed is the widget most tests start with: stored once, UID "uid-1".
func seed() *Widget {
	return &Widget{
		ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: testNamespace, UID: "uid-1", Generation: 1},
		Spec:       WidgetSpec{Size: 1, Owner: "seed"},
	}
}

// byName is an obj that names the widget and nothing else, as a caller
// that has not read it passes it.
func byName() *Widget {
	return &Widget{ObjectMeta: metav1.ObjectMeta{Name: testName, Namespace: testNamespace}}
}

// hookClient wraps the fake client in a pointer, so that the runtime can
// combine its calls (the fake client's own interceptor is a struct value,
// which turns combining off), and lets a test count, hold and fail
// requests. Hooks are set before the first call and not changed after.
type hookClient struct {
	client.Client

	gets, creates, writes atomic.Int32

	// onGet, onCreate and onWrite run before the request reaches the fake
	// client; a non-nil error is the request's answer and nothing is
	// stored. n is the number of the write (1 for the first Update or
	// Status().Update the client sees).
	onGet    func(ctx context.Context, key client.ObjectKey) error
	onCreate func(ctx context.Context, obj *Widget) error
	onWrite  func(ctx context.Context, obj *Widget, status bool, n int) error

	holds map[int]*hold
}

// hold makes one write wait until the test releases it, as a slow API
// server would, or until its request's context ends.
type hold struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
	rel     sync.Once
	mu      sync.Mutex
	written *Widget // what the held write carried
}

func (hd *hold) Release() { hd.rel.Do(func() { close(hd.release) }) }

// Written returns a copy of the object the held write carried.
func (hd *hold) Written() *Widget {
	hd.mu.Lock()
	defer hd.mu.Unlock()
	return hd.written.DeepCopy()
}

// holdWrite holds the client's n-th write. Call it before the first call.
func (h *hookClient) holdWrite(t *testing.T, n int) *hold {
	t.Helper()
	if h.holds == nil {
		h.holds = map[int]*hold{}
	}
	hd := &hold{started: make(chan struct{}), release: make(chan struct{})}
	h.holds[n] = hd
	t.Cleanup(hd.Release)
	return hd
}

func (h *hookClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	h.gets.Add(1)
	if h.onGet != nil {
		if err := h.onGet(ctx, key); err != nil {
			return err
		}
	}
	return h.Client.Get(ctx, key, obj, opts...)
}

func (h *hookClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	h.creates.Add(1)
	if h.onCreate != nil {
		if err := h.onCreate(ctx, obj.(*Widget)); err != nil {
			return err
		}
	}
	return h.Client.Create(ctx, obj, opts...)
}

func (h *hookClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if err := h.write(ctx, obj.(*Widget), false); err != nil {
		return err
	}
	return h.Client.Update(ctx, obj, opts...)
}

func (h *hookClient) Status() client.SubResourceWriter {
	return &hookStatus{SubResourceWriter: h.Client.Status(), h: h}
}

func (h *hookClient) write(ctx context.Context, obj *Widget, status bool) error {
	n := int(h.writes.Add(1))
	if hd := h.holds[n]; hd != nil {
		hd.mu.Lock()
		hd.written = obj.DeepCopy()
		hd.mu.Unlock()
		hd.once.Do(func() { close(hd.started) })
		select {
		case <-hd.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if h.onWrite != nil {
		return h.onWrite(ctx, obj, status, n)
	}
	return nil
}

type hookStatus struct {
	client.SubResourceWriter
	h *hookClient
}

func (s *hookStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	if err := s.h.write(ctx, obj.(*Widget), true); err != nil {
		return err
	}
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

// newEnv returns a hook client and the fake API server behind it (to act
// as another writer, and to look at what is stored), serving Widget with
// a status subresource and holding objs.
func newEnv(t *testing.T, objs ...*Widget) (*hookClient, client.Client) {
	return newEnvWith(t, true, objs...)
}

// newPlainEnv serves Widget without a status subresource.
func newPlainEnv(t *testing.T, objs ...*Widget) (*hookClient, client.Client) {
	return newEnvWith(t, false, objs...)
}

func newEnvWith(t *testing.T, statusSubresource bool, objs ...*Widget) (*hookClient, client.Client) {
	t.Helper()
	b := fake.NewClientBuilder().WithScheme(newScheme())
	if statusSubresource {
		b = b.WithStatusSubresource(&Widget{})
	}
	for _, o := range objs {
		b = b.WithObjects(o)
	}
	server := b.Build()
	return &hookClient{Client: server}, server
}

// stored reads the widget as the server holds it.
func stored(t *testing.T, server client.Client) *Widget {
	t.Helper()
	w := &Widget{}
	if err := server.Get(context.Background(), testKey, w); err != nil {
		t.Fatalf("reading the stored widget: %v", err)
	}
	return w
}

// read returns the widget as a caller that has just read it holds it.
func read(t *testing.T, server client.Client) *Widget { return stored(t, server) }

// otherWriter changes the stored widget as another process would.
func otherWriter(t *testing.T, server client.Client, change func(*Widget)) {
	t.Helper()
	w := stored(t, server)
	change(w)
	if err := server.Update(context.Background(), w); err != nil {
		t.Fatalf("other writer: %v", err)
	}
}

// otherStatusWriter changes the stored widget's status as another process
// would.
func otherStatusWriter(t *testing.T, server client.Client, change func(*Widget)) {
	t.Helper()
	w := stored(t, server)
	change(w)
	if err := server.Status().Update(context.Background(), w); err != nil {
		t.Fatalf("other status writer: %v", err)
	}
}

// replace deletes the widget and creates it again with uid.
func replace(t *testing.T, server client.Client, uid string) {
	t.Helper()
	old := stored(t, server)
	if err := server.Delete(context.Background(), old); err != nil {
		t.Fatalf("deleting: %v", err)
	}
	w := seed()
	w.UID = types.UID(uid)
	w.Spec.Owner = "second incarnation"
	if err := server.Create(context.Background(), w); err != nil {
		t.Fatalf("creating again: %v", err)
	}
}

// outcome is a call's answer, with the value of a panic in it.
type outcome struct {
	err      error
	panicked any
	stack    []byte
	took     time.Duration
	// goexit is set when the call ended its goroutine (runtime.Goexit).
	goexit bool
}

// async runs call in its own goroutine, as a reconciler's worker would,
// recovering a panic there.
func async(call func() error) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		start := time.Now()
		var o outcome
		returned := false
		defer func() {
			if p := recover(); p != nil {
				o.panicked = p
				o.stack = debugStack()
			} else if !returned {
				o.goexit = true
			}
			o.took = time.Since(start)
			ch <- o
		}()
		o.err = call()
		returned = true
	}()
	return ch
}

// await waits at most d for a call started with async.
func await(t *testing.T, ch <-chan outcome, d time.Duration, what string) (outcome, bool) {
	t.Helper()
	select {
	case o := <-ch:
		return o, true
	case <-time.After(d):
		t.Errorf("%s: no answer within %v (deadlocked or waiting on another caller)", what, d)
		return outcome{}, false
	}
}

// mustReturn waits at most hangTimeout for a call that must succeed.
func mustSucceed(t *testing.T, ch <-chan outcome, what string) {
	t.Helper()
	o, ok := await(t, ch, hangTimeout, what)
	if !ok {
		return
	}
	if o.panicked != nil {
		t.Errorf("%s panicked: %v\n%s", what, o.panicked, o.stack)
		return
	}
	if o.err != nil {
		t.Errorf("%s: %v", what, o.err)
	}
}

// waitClosed waits at most hangTimeout for ch to close.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) bool {
	t.Helper()
	select {
	case <-ch:
		return true
	case <-time.After(hangTimeout):
		t.Errorf("%s did not happen within %v", what, hangTimeout)
		return false
	}
}

// goid is the current goroutine's id, from the header of its stack trace.
func goid() uint64 {
	buf := make([]byte, 64)
	buf = buf[:goruntime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	return id
}

func debugStack() []byte {
	buf := make([]byte, 16<<10)
	return buf[:goruntime.Stack(buf, false)]
}

// mergeWidget is a field-by-field three-way merge, as a generated
// MergeWidget would do for these fields: a field the caller changed from
// base wins, any other field keeps the server's value.
func mergeWidget(base, current, desired *Widget) (*Widget, error) {
	out := current.DeepCopy()
	if desired.Spec.Size != base.Spec.Size {
		out.Spec.Size = desired.Spec.Size
	}
	if desired.Spec.Owner != base.Spec.Owner {
		out.Spec.Owner = desired.Spec.Owner
	}
	if !slices.Equal(desired.Spec.Tags, base.Spec.Tags) {
		out.Spec.Tags = slices.Clone(desired.Spec.Tags)
	}
	if !maps.Equal(desired.Labels, base.Labels) {
		out.Labels = maps.Clone(desired.Labels)
	}
	if desired.Status.Ready != base.Status.Ready {
		out.Status.Ready = desired.Status.Ready
	}
	if desired.Status.ObservedGeneration != base.Status.ObservedGeneration {
		out.Status.ObservedGeneration = desired.Status.ObservedGeneration
	}
	return out, nil
}

// metricValue sums a family of reg: the sample counts of a histogram, the
// values of a counter.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	var v float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !hasLabel(m.GetLabel(), "kind", "Widget") {
				continue
			}
			switch {
			case m.GetHistogram() != nil:
				v += float64(m.GetHistogram().GetSampleCount())
			case m.GetCounter() != nil:
				v += m.GetCounter().GetValue()
			}
		}
	}
	return v
}

func hasLabel[L interface {
	GetName() string
	GetValue() string
}](labels []L, name, value string) bool {
	for _, l := range labels {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

func conflictErr(name string) error {
	return apierrors.NewConflict(widgetsGR, name, errors.New("the object has been modified; please apply your changes to the latest version and try again"))
}

func forbiddenErr(name, why string) error {
	return apierrors.NewForbidden(widgetsGR, name, fmt.Errorf("admission webhook %q denied the request: %s", "widgets.test.conflict-gen.io", why))
}

// heapAfterGC is the heap in use once everything unreachable is freed.
func heapAfterGC() uint64 {
	goruntime.GC()
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
