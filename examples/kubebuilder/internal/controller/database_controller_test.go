package controller_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	dbv1 "github.com/conflict-gen/conflict-gen/examples/kubebuilder/api/v1"
	"github.com/conflict-gen/conflict-gen/examples/kubebuilder/internal/controller"
)

func newReconciler(t *testing.T, objs ...client.Object) (*controller.DatabaseReconciler, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, dbv1.AddToScheme(scheme))
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithStatusSubresource(&dbv1.Database{}). // status writes go through /status, as on a server
		WithObjects(objs...).
		Build()
	// The fake client is its own uncached reader.
	return &controller.DatabaseReconciler{Client: c, Scheme: scheme, APIReader: c}, c
}

// newDatabase sets the generation, as the API server would on create: the
// fake client leaves it at 0, and DatabaseNeedsReconcile would be false.
func newDatabase() *dbv1.Database {
	return &dbv1.Database{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: "shop", UID: "uid-orders", Generation: 1},
		Spec:       dbv1.DatabaseSpec{Image: "postgres:17", Replicas: 3},
	}
}

func reconcile(t *testing.T, r *controller.DatabaseReconciler) {
	t.Helper()
	_, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "shop", Name: "orders"}})
	require.NoError(t, err)
}

func TestReconcileWritesTheConfigMapAndTheStatus(t *testing.T) {
	ctx := context.Background()
	r, c := newReconciler(t, newDatabase())
	reconcile(t, r)

	cm := &corev1.ConfigMap{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "orders-config"}, cm))
	assert.Equal(t, map[string]string{"image": "postgres:17", "replicas": "3"}, cm.Data)
	require.Len(t, cm.OwnerReferences, 1)
	assert.Equal(t, "orders", cm.OwnerReferences[0].Name)

	db := &dbv1.Database{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "orders"}, db))
	assert.Equal(t, int64(1), db.Status.ObservedGeneration)
	assert.True(t, meta.IsStatusConditionTrue(db.Status.Conditions, "Ready"))
	assert.False(t, dbv1.DatabaseNeedsReconcile(db))
}

func TestSpecChangeUpdatesTheConfigMap(t *testing.T) {
	ctx := context.Background()
	r, c := newReconciler(t, newDatabase())
	reconcile(t, r)

	db := &dbv1.Database{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "orders"}, db))
	db.Spec.Replicas = 5
	db.Generation++ // the API server bumps it on a spec change; the fake client does not
	require.NoError(t, c.Update(ctx, db))
	reconcile(t, r)

	cm := &corev1.ConfigMap{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "orders-config"}, cm))
	assert.Equal(t, "5", cm.Data["replicas"])
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "orders"}, db))
	assert.Equal(t, int64(2), db.Status.ObservedGeneration)
}

// TestGenerationZeroIsNotReconciled is the trap the README warns of: an
// object created through the fake client without a generation looks
// reconciled already.
func TestGenerationZeroIsNotReconciled(t *testing.T) {
	db := newDatabase()
	db.Generation = 0
	r, c := newReconciler(t, db)
	reconcile(t, r)
	err := c.Get(context.Background(), client.ObjectKey{Namespace: "shop", Name: "orders-config"}, &corev1.ConfigMap{})
	assert.True(t, apierrors.IsNotFound(err), "no ConfigMap: %v", err)
}

// TestConfigMapEditedByOthersKeepsTheirKeys: the ConfigMap's helper
// updates the keys the reconciler owns and keeps the others.
func TestConfigMapEditedByOthersKeepsTheirKeys(t *testing.T) {
	ctx := context.Background()
	other := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "orders-config", Namespace: "shop"},
		Data:       map[string]string{"image": "postgres:16", "tuning": "fast"},
	}
	r, c := newReconciler(t, newDatabase(), other)
	reconcile(t, r)
	cm := &corev1.ConfigMap{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "orders-config"}, cm))
	assert.Equal(t, map[string]string{"image": "postgres:17", "replicas": "3", "tuning": "fast"}, cm.Data)
}
