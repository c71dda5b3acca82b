package e2e

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	neo4jv1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/neo4j/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/neo4j"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/neo4j/v1alpha1"
)

// TestNeo4jReconcilerCreatesItsChildUnderConcurrentReconciles runs the
// cluster reconciler from many goroutines at once (what restart loops and
// several operator replicas do) while the user scales the cluster: the
// child Neo4jBackup is created once, owned by the cluster, and ends as the
// last spec says; a reconcile of the settled cluster writes nothing.
func TestNeo4jReconcilerCreatesItsChildUnderConcurrentReconciles(t *testing.T) {
	c, proxy := proxied(t)
	retention := int32(7)
	cluster := &neo4jv1alpha1.Neo4jEnterpriseCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "graph", Namespace: "default"},
		Spec: neo4jv1alpha1.Neo4jEnterpriseClusterSpec{
			Image:    neo4jv1alpha1.ImageSpec{Repo: "neo4j", Tag: "5.26"},
			Topology: neo4jv1alpha1.TopologySpec{Servers: 3},
			Storage:  neo4jv1alpha1.StorageSpec{Size: resource.MustParse("10Gi")},
			Backup:   &neo4jv1alpha1.BackupSpec{Schedule: "0 3 * * *", Bucket: "s3://backups", RetentionDays: &retention},
		},
	}
	require.NoError(t, c.Create(ctx(t), cluster))
	t.Cleanup(func() { deleteLater(cluster) })
	r := &neo4j.ClusterReconciler{Client: c, APIReader: c, Scheme: env.Scheme}
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(cluster)}

	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 8 { // the user scales the cluster meanwhile
				assert.NoError(t, helpers.UpdateNeo4jEnterpriseClusterWithRetry(ctx(t), c, cluster.DeepCopy(),
					func(c *neo4jv1alpha1.Neo4jEnterpriseCluster) error { c.Spec.Topology.Servers = 5; return nil }))
			}
			_, err := r.Reconcile(ctx(t), req)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	_, err := r.Reconcile(ctx(t), req) // the event of the last change
	require.NoError(t, err)

	backups := &neo4jv1alpha1.Neo4jBackupList{}
	require.NoError(t, c.List(ctx(t), backups, client.InNamespace("default")))
	require.Len(t, backups.Items, 1, "one child, however many reconciles raced to create it")
	b := backups.Items[0]
	assert.Equal(t, neo4j.BackupName("graph"), b.Name)
	assert.Equal(t, int32(5), b.Spec.Servers, "the last spec")
	assert.Equal(t, "0 3 * * *", b.Spec.Schedule)
	owner := metav1.GetControllerOf(&b)
	if assert.NotNil(t, owner) {
		assert.Equal(t, "graph", owner.Name)
	}

	got := &neo4jv1alpha1.Neo4jEnterpriseCluster{}
	require.NoError(t, c.Get(ctx(t), req.NamespacedName, got))
	assert.Equal(t, got.Generation, got.Status.ObservedGeneration)
	assert.True(t, meta.IsStatusConditionTrue(got.Status.Conditions, neo4j.ConditionBackupScheduled))

	proxy.Writes()
	_, err = r.Reconcile(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, proxy.Writes(), "a settled cluster: a reconcile writes nothing")
}
