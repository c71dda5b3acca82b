package controller_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	dbv1 "github.com/conflict-gen/conflict-gen/examples/kubebuilder/api/v1"
	"github.com/conflict-gen/conflict-gen/examples/kubebuilder/internal/controller"
)

// The tests in this file run on a real API server (see suite_test.go):
// generation bumps, the /status subresource, owner references and 409
// Conflict are the server's, not the fake client's.

// eventually is how long a real-server test waits for the controller; long,
// because the machine may be loaded, and it returns as soon as it holds.
const eventually = 2 * time.Minute

func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, dbv1.AddToScheme(scheme))
	return scheme
}

// newNamespace creates a namespace of its own for the test: the server may
// be shared (USE_EXISTING_CLUSTER), and namespace admission is on.
func newNamespace(t *testing.T, c client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kubebuilder-sample-"}}
	require.NoError(t, c.Create(context.Background(), ns))
	return ns.Name
}

// waitFor polls cond until it holds or eventually passes.
func waitFor(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventually)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// TestRealServerManagerReconcilesDatabase wires the reconciler into a
// manager as cmd/main.go does (cached client, APIReader) and follows a
// Database through creation and a spec change: the ConfigMap child is
// created with a controller reference and updated, and the status carries
// Ready and the generation the server assigned.
func TestRealServerManagerReconcilesDatabase(t *testing.T) {
	cfg := realServer(t)
	scheme := newScheme(t)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	require.NoError(t, err)
	require.NoError(t, (&controller.DatabaseReconciler{
		Client:    mgr.GetClient(),
		Scheme:    mgr.GetScheme(),
		APIReader: mgr.GetAPIReader(),
	}).SetupWithManager(mgr))
	ctx, cancel := context.WithCancel(context.Background())
	var stopped sync.WaitGroup
	stopped.Add(1)
	go func() {
		defer stopped.Done()
		assert.NoError(t, mgr.Start(ctx))
	}()
	t.Cleanup(func() { cancel(); stopped.Wait() })

	c, err := client.New(cfg, client.Options{Scheme: scheme})
	require.NoError(t, err)
	ns := newNamespace(t, c)
	db := &dbv1.Database{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: ns},
		Spec:       dbv1.DatabaseSpec{Image: "postgres:17", Replicas: 3},
	}
	require.NoError(t, c.Create(context.Background(), db))
	assert.Equal(t, int64(1), db.Generation, "the server sets the generation on create")

	cmKey := client.ObjectKey{Namespace: ns, Name: controller.ConfigMapName(db)}
	waitForState(t, c, db, cmKey, 1, map[string]string{"image": "postgres:17", "replicas": "3"})

	cm := &corev1.ConfigMap{}
	require.NoError(t, c.Get(context.Background(), cmKey, cm))
	require.Len(t, cm.OwnerReferences, 1)
	owner := cm.OwnerReferences[0]
	assert.Equal(t, "Database", owner.Kind)
	assert.Equal(t, db.Name, owner.Name)
	assert.Equal(t, db.UID, owner.UID, "the reference names this Database by the UID the server gave it")
	assert.True(t, ptr.Deref(owner.Controller, false))

	// A spec change: the server bumps the generation, the controller sees
	// that its status is behind and writes the ConfigMap and the status.
	require.NoError(t, retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(db), db); err != nil {
			return err
		}
		db.Spec.Replicas = 5
		return c.Update(context.Background(), db)
	}))
	assert.Equal(t, int64(2), db.Generation)
	waitForState(t, c, db, cmKey, 2, map[string]string{"image": "postgres:17", "replicas": "5"})
}

// waitForState waits until the Database's status says it reconciled
// generation (Ready true) and its ConfigMap holds data.
func waitForState(t *testing.T, c client.Client, db *dbv1.Database, cmKey client.ObjectKey, generation int64, data map[string]string) {
	t.Helper()
	waitFor(t, "the ConfigMap and the status", func(ctx context.Context) (bool, error) {
		got := &dbv1.Database{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(db), got); err != nil {
			return false, err
		}
		cm := &corev1.ConfigMap{}
		if err := c.Get(ctx, cmKey, cm); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return got.Status.ObservedGeneration == generation &&
			meta.IsStatusConditionTrue(got.Status.Conditions, "Ready") &&
			assert.ObjectsAreEqual(data, cm.Data), nil
	})
}

// interloper is a transport that, the first time the reconciler is about
// to write one of the targets (a path and a method), first lets another
// writer change that object on the server: the reconciler's write then
// carries a stale resourceVersion and the real server answers 409.
type interloper struct {
	next      http.RoundTripper
	mu        sync.Mutex
	targets   map[string]func() error // "METHOD path" -> the other writer
	conflicts atomic.Int32            // 409s the server answered
	errs      []error
}

func (i *interloper) RoundTrip(req *http.Request) (*http.Response, error) {
	i.mu.Lock()
	write, ok := i.targets[req.Method+" "+req.URL.Path]
	delete(i.targets, req.Method+" "+req.URL.Path)
	i.mu.Unlock()
	if ok {
		if err := write(); err != nil {
			i.mu.Lock()
			i.errs = append(i.errs, err)
			i.mu.Unlock()
		}
	}
	resp, err := i.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusConflict {
		i.conflicts.Add(1)
	}
	return resp, err
}

// TestRealServerReconcileSurvivesConcurrentWriters: another writer changes
// the ConfigMap and the Database's status between the reconciler's read
// and its write. The server answers 409 to each stale write; the
// reconciler's helpers read again and reapply their change, so Reconcile
// succeeds and both writers' changes are on the server.
func TestRealServerReconcileSurvivesConcurrentWriters(t *testing.T) {
	cfg := realServer(t)
	scheme := newScheme(t)
	other, err := client.New(cfg, client.Options{Scheme: scheme})
	require.NoError(t, err)
	ns := newNamespace(t, other)
	db := &dbv1.Database{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: ns},
		Spec:       dbv1.DatabaseSpec{Image: "postgres:17", Replicas: 3},
	}
	require.NoError(t, other.Create(context.Background(), db))
	cmKey := client.ObjectKey{Namespace: ns, Name: controller.ConfigMapName(db)}
	statusPath := "/apis/db.example.com/v1/namespaces/" + ns + "/databases/orders/status"
	cmPath := "/api/v1/namespaces/" + ns + "/configmaps/" + cmKey.Name

	// The other writer's changes: a condition of its own on the status,
	// a key of its own in the ConfigMap.
	setBackupCondition := func() error {
		return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
			got := &dbv1.Database{}
			if err := other.Get(context.Background(), client.ObjectKeyFromObject(db), got); err != nil {
				return err
			}
			meta.SetStatusCondition(&got.Status.Conditions, metav1.Condition{Type: "BackupReady", Status: metav1.ConditionTrue, Reason: "Scheduled"})
			return other.Status().Update(context.Background(), got)
		})
	}
	addTuningKey := func() error {
		return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
			got := &corev1.ConfigMap{}
			if err := other.Get(context.Background(), cmKey, got); err != nil {
				return err
			}
			got.Data["tuning"] = "fast"
			return other.Update(context.Background(), got)
		})
	}

	wire := &interloper{targets: map[string]func() error{
		http.MethodPut + " " + statusPath: setBackupCondition,
		http.MethodPut + " " + cmPath:     addTuningKey,
	}}
	reconcilerCfg := rest.CopyConfig(cfg)
	reconcilerCfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { wire.next = rt; return wire })
	c, err := client.New(reconcilerCfg, client.Options{Scheme: scheme})
	require.NoError(t, err)
	r := &controller.DatabaseReconciler{Client: c, Scheme: scheme, APIReader: c}
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(db)}

	// First pass: the ConfigMap is created (no conflict possible), the
	// status write meets the other writer's condition.
	_, err = r.Reconcile(context.Background(), req)
	require.NoError(t, err)

	// A spec change: the ConfigMap update meets the other writer's key.
	require.NoError(t, retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if err := other.Get(context.Background(), client.ObjectKeyFromObject(db), db); err != nil {
			return err
		}
		db.Spec.Replicas = 5
		return other.Update(context.Background(), db)
	}))
	_, err = r.Reconcile(context.Background(), req)
	require.NoError(t, err)

	require.Empty(t, wire.errs, "the other writer's own writes")
	assert.Empty(t, wire.targets, "the other writer interposed before both writes")
	assert.GreaterOrEqual(t, wire.conflicts.Load(), int32(2), "the server answered 409 to the stale writes")

	cm := &corev1.ConfigMap{}
	require.NoError(t, other.Get(context.Background(), cmKey, cm))
	assert.Equal(t, map[string]string{"image": "postgres:17", "replicas": "5", "tuning": "fast"}, cm.Data)
	got := &dbv1.Database{}
	require.NoError(t, other.Get(context.Background(), client.ObjectKeyFromObject(db), got))
	assert.Equal(t, int64(2), got.Status.ObservedGeneration)
	assert.True(t, meta.IsStatusConditionTrue(got.Status.Conditions, "Ready"))
	assert.True(t, meta.IsStatusConditionTrue(got.Status.Conditions, "BackupReady"), "the other writer's condition survives")
	assert.False(t, dbv1.DatabaseNeedsReconcile(got))
}
