package v1alpha1_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	neo4jv1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/neo4j/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/neo4j/v1alpha1"
)

type cluster = neo4jv1alpha1.Neo4jEnterpriseCluster

var (
	t0 = metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 = metav1.NewTime(t0.Add(time.Minute))
	t2 = metav1.NewTime(t0.Add(2 * time.Minute))
)

func sampleCluster() *cluster {
	return &cluster{
		ObjectMeta: metav1.ObjectMeta{
			Name: "graph", Namespace: "db", UID: "u1", ResourceVersion: "10", Generation: 3,
			Labels:      map[string]string{"app": "neo4j", "tier": "db"},
			Annotations: map[string]string{"note": "a"},
			Finalizers:  []string{"neo4j.com/backup"},
			OwnerReferences: []metav1.OwnerReference{
				{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: "o1"},
			},
		},
		Spec: neo4jv1alpha1.Neo4jEnterpriseClusterSpec{
			Image:    neo4jv1alpha1.ImageSpec{Repo: "neo4j", Tag: "5.20"},
			Topology: neo4jv1alpha1.TopologySpec{Servers: 3, MaxUnavailable: 1},
			Storage:  neo4jv1alpha1.StorageSpec{ClassName: "fast", Size: resource.MustParse("1Gi")},
			Plugins:  []string{"apoc"},
			Ports:    []neo4jv1alpha1.ServerPort{{Name: "bolt", Port: 7687}},
			Env:      []corev1.EnvVar{{Name: "A", Value: "1"}},
			Config:   map[string]string{"dbms.memory": "1g"},
		},
		Status: neo4jv1alpha1.Neo4jEnterpriseClusterStatus{
			Phase:     neo4jv1alpha1.ClusterPhaseForming,
			Endpoints: neo4jv1alpha1.EndpointsStatus{Bolt: "bolt://old"},
			Conditions: []metav1.Condition{
				{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Forming", LastTransitionTime: t0},
			},
			Servers: []neo4jv1alpha1.ServerCondition{
				{Type: "Healthy", Status: metav1.ConditionFalse, Reason: "Starting", LastTransitionTime: t0},
			},
		},
	}
}

// merge runs MergeX on copies of base changed by the two sides, and checks
// that the inputs are not modified.
func merge(t *testing.T, current, desired func(*cluster)) (*cluster, error) {
	t.Helper()
	base := sampleCluster()
	c, d := base.DeepCopy(), base.DeepCopy()
	if current != nil {
		current(c)
	}
	if desired != nil {
		desired(d)
	}
	bCopy, cCopy, dCopy := base.DeepCopy(), c.DeepCopy(), d.DeepCopy()
	got, err := helpers.MergeNeo4jEnterpriseCluster(base, c, d)
	assert.Equal(t, bCopy, base, "base modified")
	assert.Equal(t, cCopy, c, "current modified")
	assert.Equal(t, dCopy, d, "desired modified")
	return got, err
}

func mustMerge(t *testing.T, current, desired func(*cluster)) *cluster {
	t.Helper()
	got, err := merge(t, current, desired)
	require.NoError(t, err)
	return got
}

func TestMergeLeafRule(t *testing.T) {
	got := mustMerge(t,
		func(c *cluster) {
			c.Spec.Config["dbms.threads"] = "8"
			c.Status.Phase = neo4jv1alpha1.ClusterPhaseReady
		},
		func(d *cluster) { d.Spec.Storage.ClassName = "slow" })
	assert.Equal(t, "8", got.Spec.Config["dbms.threads"], "current's change kept")
	assert.Equal(t, neo4jv1alpha1.ClusterPhaseReady, got.Status.Phase)
	assert.Equal(t, "slow", got.Spec.Storage.ClassName, "desired's change kept")
	assert.Equal(t, "1g", got.Spec.Config["dbms.memory"])
}

func TestMergeStrategies(t *testing.T) {
	t.Run("ours is the default", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Spec.Storage.ClassName = "theirs" }, func(d *cluster) { d.Spec.Storage.ClassName = "ours" })
		assert.Equal(t, "ours", got.Spec.Storage.ClassName)
	})
	t.Run("theirs, inherited by a struct's fields", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Status.Endpoints.Bolt = "bolt://new" }, func(d *cluster) { d.Status.Endpoints.Bolt = "bolt://mine" })
		assert.Equal(t, "bolt://new", got.Status.Endpoints.Bolt)
	})
	t.Run("max on integers", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Spec.Topology.Servers = 5 }, func(d *cluster) { d.Spec.Topology.Servers = 4 })
		assert.Equal(t, int32(5), got.Spec.Topology.Servers)
		got = mustMerge(t, func(c *cluster) { c.Spec.Topology.Servers = 4 }, func(d *cluster) { d.Spec.Topology.Servers = 5 })
		assert.Equal(t, int32(5), got.Spec.Topology.Servers)
		got = mustMerge(t, nil, func(d *cluster) { d.Spec.Topology.Servers = 2 })
		assert.Equal(t, int32(2), got.Spec.Topology.Servers, "only one side changed: no max")
	})
	t.Run("min", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Spec.Topology.MaxUnavailable = 2 }, func(d *cluster) { d.Spec.Topology.MaxUnavailable = 0 })
		assert.Equal(t, int32(0), got.Spec.Topology.MaxUnavailable)
	})
	t.Run("max on quantities, compared by value", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Spec.Storage.Size = resource.MustParse("20Gi") }, func(d *cluster) { d.Spec.Storage.Size = resource.MustParse("15Gi") })
		assert.Equal(t, "20Gi", got.Spec.Storage.Size.String())
		got = mustMerge(t, func(c *cluster) { c.Spec.Storage.Size = resource.MustParse("1024Mi") }, func(d *cluster) { d.Spec.Storage.Size = resource.MustParse("2Gi") })
		assert.Equal(t, "2Gi", got.Spec.Storage.Size.String(), "1024Mi is 1Gi: current did not change it")
	})
	t.Run("atomic struct is never mixed", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Spec.Image.Tag = "5.21" }, func(d *cluster) { d.Spec.Image.Repo = "mirror/neo4j" })
		assert.Equal(t, neo4jv1alpha1.ImageSpec{Repo: "mirror/neo4j", Tag: "5.20"}, got.Spec.Image)
	})
}

func TestMergeTopology(t *testing.T) {
	t.Run("union set", func(t *testing.T) {
		got := mustMerge(t,
			func(c *cluster) { c.Spec.Plugins = []string{"apoc", "gds"} },
			func(d *cluster) { d.Spec.Plugins = []string{"bloom"} })
		assert.Equal(t, []string{"gds", "bloom"}, got.Spec.Plugins, "their addition, our removal and addition")
	})
	t.Run("list map with a composite key", func(t *testing.T) {
		got := mustMerge(t,
			func(c *cluster) {
				c.Spec.Ports = append(c.Spec.Ports, neo4jv1alpha1.ServerPort{Name: "http", Port: 7474})
			},
			func(d *cluster) {
				d.Spec.Ports[0].Advertised = true
				d.Spec.Ports = append(d.Spec.Ports, neo4jv1alpha1.ServerPort{Name: "bolt", Port: 7688})
			})
		assert.Equal(t, []neo4jv1alpha1.ServerPort{
			{Name: "bolt", Port: 7687, Advertised: true},
			{Name: "http", Port: 7474},
			{Name: "bolt", Port: 7688},
		}, got.Spec.Ports)
	})
	t.Run("patchMergeKey tag", func(t *testing.T) {
		got := mustMerge(t,
			func(c *cluster) { c.Spec.Env[0].Value = "2" },
			func(d *cluster) { d.Spec.Env = append(d.Spec.Env, corev1.EnvVar{Name: "B", Value: "x"}) })
		assert.Equal(t, []corev1.EnvVar{{Name: "A", Value: "2"}, {Name: "B", Value: "x"}}, got.Spec.Env)
	})
	t.Run("list map: removed on one side, changed on the other", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Spec.Env = nil }, func(d *cluster) { d.Spec.Env[0].Value = "3" })
		assert.Equal(t, []corev1.EnvVar{{Name: "A", Value: "3"}}, got.Spec.Env, "ours: the change wins over the removal")
		got = mustMerge(t, func(c *cluster) { c.Spec.Env = nil }, nil)
		assert.Empty(t, got.Spec.Env, "their removal of an element we left alone")
	})
	t.Run("atomic map", func(t *testing.T) {
		got := mustMerge(t,
			func(c *cluster) { c.Spec.NodeSelector = map[string]string{"zone": "a"} },
			func(d *cluster) { d.Spec.NodeSelector = map[string]string{"disk": "ssd"} })
		assert.Equal(t, map[string]string{"disk": "ssd"}, got.Spec.NodeSelector)
	})
	t.Run("granular map", func(t *testing.T) {
		got := mustMerge(t,
			func(c *cluster) { c.Spec.Config["a"] = "1"; delete(c.Spec.Config, "dbms.memory") },
			func(d *cluster) { d.Spec.Config["b"] = "2" })
		assert.Equal(t, map[string]string{"a": "1", "b": "2"}, got.Spec.Config)
		got = mustMerge(t, func(c *cluster) { delete(c.Spec.Config, "dbms.memory") }, func(d *cluster) { d.Spec.Config["dbms.memory"] = "2g" })
		assert.Equal(t, map[string]string{"dbms.memory": "2g"}, got.Spec.Config, "ours: change beats removal")
	})
	t.Run("atomic list by default", func(t *testing.T) {
		tol := func(k string) []corev1.Toleration {
			return []corev1.Toleration{{Key: k, Operator: corev1.TolerationOpExists}}
		}
		got := mustMerge(t, func(c *cluster) { c.Spec.Tolerations = tol("a") }, func(d *cluster) { d.Spec.Tolerations = tol("b") })
		assert.Equal(t, tol("b"), got.Spec.Tolerations)
	})
	t.Run("pointer to struct", func(t *testing.T) {
		got := mustMerge(t, func(c *cluster) { c.Spec.Backup = &neo4jv1alpha1.BackupSpec{Schedule: "@daily"} }, nil)
		assert.Equal(t, &neo4jv1alpha1.BackupSpec{Schedule: "@daily"}, got.Spec.Backup)
		got = mustMerge(t,
			func(c *cluster) { c.Spec.Backup = &neo4jv1alpha1.BackupSpec{Schedule: "@daily"} },
			func(d *cluster) {
				d.Spec.Backup = &neo4jv1alpha1.BackupSpec{Bucket: "s3://b", RetentionDays: ptr.To[int32](7)}
			})
		assert.Equal(t, &neo4jv1alpha1.BackupSpec{Schedule: "@daily", Bucket: "s3://b", RetentionDays: ptr.To[int32](7)}, got.Spec.Backup, "both added: merged field by field")
	})
	t.Run("struct recursion into k8s types", func(t *testing.T) {
		got := mustMerge(t,
			func(c *cluster) {
				c.Spec.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
			},
			func(d *cluster) {
				d.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}
			})
		assert.Equal(t, "2", ptr.To(got.Spec.Resources.Limits[corev1.ResourceCPU]).String())
		assert.Equal(t, "1Gi", ptr.To(got.Spec.Resources.Requests[corev1.ResourceMemory]).String())
	})
}

func TestMergeConditions(t *testing.T) {
	got := mustMerge(t,
		func(c *cluster) {
			meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Formed", LastTransitionTime: t1})
		},
		func(d *cluster) {
			d.Status.Conditions[0].Message = "3 of 3 servers"
			meta.SetStatusCondition(&d.Status.Conditions, metav1.Condition{Type: "Progressing", Status: metav1.ConditionTrue, Reason: "Scaling", LastTransitionTime: t2})
		})
	require.Len(t, got.Status.Conditions, 2)
	ready := meta.FindStatusCondition(got.Status.Conditions, "Ready")
	assert.Equal(t, metav1.ConditionTrue, ready.Status, "their status change")
	assert.Equal(t, "3 of 3 servers", ready.Message, "our message change")
	assert.Equal(t, t1, ready.LastTransitionTime, "the time the status changed, theirs")
	progressing := meta.FindStatusCondition(got.Status.Conditions, "Progressing")
	require.NotNil(t, progressing, "our new condition")
	assert.Equal(t, t2, progressing.LastTransitionTime)

	// Both change the status: ours wins, and so does our transition time.
	got = mustMerge(t,
		func(c *cluster) {
			c.Status.Conditions[0].Status, c.Status.Conditions[0].LastTransitionTime = metav1.ConditionUnknown, t1
		},
		func(d *cluster) {
			d.Status.Conditions[0].Status, d.Status.Conditions[0].LastTransitionTime = metav1.ConditionTrue, t2
		})
	assert.Equal(t, metav1.ConditionTrue, got.Status.Conditions[0].Status)
	assert.Equal(t, t2, got.Status.Conditions[0].LastTransitionTime)

	// Both set the same new status at different times: the status did not
	// change from the server's, so its transition time stays.
	got = mustMerge(t,
		func(c *cluster) {
			c.Status.Conditions[0].Status, c.Status.Conditions[0].LastTransitionTime = metav1.ConditionTrue, t1
		},
		func(d *cluster) {
			d.Status.Conditions[0].Status, d.Status.Conditions[0].LastTransitionTime = metav1.ConditionTrue, t2
		})
	assert.Equal(t, t1, got.Status.Conditions[0].LastTransitionTime)

	// A custom condition type marked +conflict:merge=conditions.
	got = mustMerge(t,
		func(c *cluster) {
			c.Status.Servers[0].Status, c.Status.Servers[0].LastTransitionTime = metav1.ConditionTrue, t1
		},
		func(d *cluster) { d.Status.Servers[0].Server = "graph-0" })
	assert.Equal(t, neo4jv1alpha1.ServerCondition{Type: "Healthy", Status: metav1.ConditionTrue, Reason: "Starting", LastTransitionTime: t1, Server: "graph-0"}, got.Status.Servers[0])
}

func TestMergeMetadata(t *testing.T) {
	got := mustMerge(t,
		func(c *cluster) {
			c.ResourceVersion, c.Generation = "11", 4
			c.Labels["tier"] = "data"
			c.Finalizers = append(c.Finalizers, "other/finalizer")
			c.OwnerReferences = append(c.OwnerReferences, metav1.OwnerReference{Kind: "Secret", Name: "s", UID: "o2"})
		},
		func(d *cluster) {
			d.ResourceVersion = "stale"
			d.Labels["team"] = "graphs"
			delete(d.Annotations, "note")
			d.Finalizers = nil
			d.OwnerReferences[0].Name = "renamed"
		})
	assert.Equal(t, "11", got.ResourceVersion, "resourceVersion from current")
	assert.Equal(t, int64(4), got.Generation)
	assert.Equal(t, map[string]string{"app": "neo4j", "tier": "data", "team": "graphs"}, got.Labels)
	assert.Empty(t, got.Annotations)
	assert.Equal(t, []string{"other/finalizer"}, got.Finalizers, "set: our removal, their addition")
	assert.Equal(t, []metav1.OwnerReference{
		{APIVersion: "v1", Kind: "ConfigMap", Name: "renamed", UID: "o1"},
		{Kind: "Secret", Name: "s", UID: "o2"},
	}, got.OwnerReferences, "by uid")
}

func TestMergeResultSharesNothing(t *testing.T) {
	base := sampleCluster()
	current, desired := base.DeepCopy(), base.DeepCopy()
	desired.Spec.Config["x"] = "1"
	desired.Spec.Plugins = append(desired.Spec.Plugins, "gds")
	got, err := helpers.MergeNeo4jEnterpriseCluster(base, current, desired)
	require.NoError(t, err)
	got.Spec.Config["x"] = "changed"
	got.Spec.Plugins[0] = "changed"
	got.Status.Conditions[0].Reason = "changed"
	got.Labels["app"] = "changed"
	assert.Equal(t, "1", desired.Spec.Config["x"])
	assert.Equal(t, "apoc", desired.Spec.Plugins[0])
	assert.Equal(t, "Forming", current.Status.Conditions[0].Reason)
	assert.Equal(t, "neo4j", current.Labels["app"])
	assert.True(t, equality.Semantic.DeepEqual(sampleCluster(), base))
}
