package neo4j

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	neo4jv1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/neo4j/v1alpha1"
	neo4j "github.com/conflict-gen/conflict-gen/examples/zz_generated/neo4j/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// ConditionBackupScheduled says whether the cluster's backup schedule is in
// place.
const ConditionBackupScheduled = "BackupScheduled"

// ClusterReconciler keeps a cluster's child objects as its spec asks and
// reports them in its status.
type ClusterReconciler struct {
	// Client reads and writes clusters and their children.
	Client client.Client
	// APIReader reads objects again after a conflict: mgr.GetAPIReader().
	APIReader client.Reader
	// Scheme knows the kinds, for owner references.
	Scheme *runtime.Scheme
}

// BackupName is the name of a cluster's Neo4jBackup.
func BackupName(cluster string) string { return cluster + "-backup" }

// Reconcile brings one cluster's children to its spec.
func (r *ClusterReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cluster := &neo4jv1alpha1.Neo4jEnterpriseCluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, cluster); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	scheduled := metav1.Condition{Type: ConditionBackupScheduled, Status: metav1.ConditionFalse, Reason: "NoBackup"}
	if b := cluster.Spec.Backup; b != nil {
		backup := &neo4jv1alpha1.Neo4jBackup{ObjectMeta: metav1.ObjectMeta{Name: BackupName(cluster.Name), Namespace: cluster.Namespace}}
		result, err := neo4j.CreateOrUpdateNeo4jBackupWithRetry(ctx, r.Client, backup, func(nb *neo4jv1alpha1.Neo4jBackup) error {
			nb.Spec.ClusterRef = cluster.Name
			nb.Spec.Schedule = b.Schedule
			nb.Spec.Bucket = b.Bucket
			nb.Spec.RetentionDays = b.RetentionDays
			nb.Spec.Servers = cluster.Spec.Topology.Servers
			return controllerutil.SetControllerReference(cluster, nb, r.Scheme)
		}, conflict.WithReader(r.APIReader))
		if err != nil {
			return ctrl.Result{}, err
		}
		scheduled = metav1.Condition{Type: ConditionBackupScheduled, Status: metav1.ConditionTrue, Reason: "Scheduled",
			Message: fmt.Sprintf("backup %s %s", backup.Name, result)}
		if result == controllerutil.OperationResultNone {
			scheduled.Message = fmt.Sprintf("backup %s unchanged", backup.Name)
		}
	}
	acted := cluster.Generation
	return ctrl.Result{}, neo4j.UpdateNeo4jEnterpriseClusterStatusWithRetry(ctx, r.Client, cluster, func(c *neo4jv1alpha1.Neo4jEnterpriseCluster) error {
		// Keep the message of an unchanged state: a reconcile that changed
		// nothing writes nothing.
		if old := meta.FindStatusCondition(c.Status.Conditions, ConditionBackupScheduled); old != nil && old.Status == scheduled.Status {
			scheduled.Message = old.Message
		}
		neo4j.SetNeo4jEnterpriseClusterCondition(c, scheduled)
		if c.Generation == acted {
			neo4j.SetNeo4jEnterpriseClusterObservedGeneration(c)
		}
		return nil
	}, conflict.WithReader(r.APIReader))
}

// SetupWithManager registers the reconciler for clusters and the backups
// they own.
func (r *ClusterReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&neo4jv1alpha1.Neo4jEnterpriseCluster{}).
		Owns(&neo4jv1alpha1.Neo4jBackup{}).Named("neo4jcluster").Complete(r)
}
