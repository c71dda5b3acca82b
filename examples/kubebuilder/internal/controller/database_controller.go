// Package controller holds the Database reconciler, written on the
// helpers conflict-gen generates: next to the types for the project's own
// kind, and into internal/conflict for the ConfigMap it owns.
package controller

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	dbv1 "github.com/conflict-gen/conflict-gen/examples/kubebuilder/api/v1"
	coreconflict "github.com/conflict-gen/conflict-gen/examples/kubebuilder/internal/conflict/core/v1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// DatabaseReconciler reconciles a Database: it keeps the Database's
// ConfigMap in step with its spec and reports Ready.
type DatabaseReconciler struct {
	client.Client
	Scheme *runtime.Scheme
	// APIReader reads past the manager's cache (mgr.GetAPIReader()), so
	// that a retry after a conflict starts from the server's object.
	APIReader client.Reader
}

// +kubebuilder:rbac:groups=db.example.com,resources=databases,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=db.example.com,resources=databases/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch

// Reconcile writes the ConfigMap and the status for a Database whose spec
// changed since its status was written.
func (r *DatabaseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	db := &dbv1.Database{}
	if err := r.Get(ctx, req.NamespacedName, db); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !dbv1.DatabaseNeedsReconcile(db) {
		return ctrl.Result{}, nil
	}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName(db), Namespace: db.Namespace}}
	if _, err := coreconflict.CreateOrUpdateConfigMapWithRetry(ctx, r.Client, cm, func(cm *corev1.ConfigMap) error {
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data["image"] = db.Spec.Image
		cm.Data["replicas"] = strconv.Itoa(int(db.Spec.Replicas))
		return controllerutil.SetControllerReference(db, cm, r.Scheme)
	}, conflict.WithReader(r.APIReader)); err != nil {
		return ctrl.Result{}, err
	}

	err := dbv1.UpdateDatabaseStatusWithRetry(ctx, r.Client, db, func(d *dbv1.Database) error {
		dbv1.SetDatabaseCondition(d, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "ConfigMapWritten"})
		dbv1.SetDatabaseObservedGeneration(d)
		return nil
	}, conflict.WithReader(r.APIReader))
	return ctrl.Result{}, err
}

// ConfigMapName is the name of a Database's ConfigMap.
func ConfigMapName(db *dbv1.Database) string { return db.Name + "-config" }

// SetupWithManager sets up the controller with the Manager.
func (r *DatabaseReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&dbv1.Database{}).
		Owns(&corev1.ConfigMap{}).
		Named("database").
		Complete(r)
}
