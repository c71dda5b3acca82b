package kube

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
	apps "github.com/conflict-gen/conflict-gen/test/kube/zz_generated/apps/v1"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// statefulSetSpec is the spec a database operator's reconciler builds from
// scratch on every pass: a new StatefulSetSpec with a template of one
// container and a volume claim template, none of the fields the API server
// defaults (the container's imagePullPolicy and terminationMessagePath,
// the port's protocol, the template's restartPolicy and dnsPolicy, the
// claim's volumeMode, the spec's updateStrategy and podManagementPolicy).
type statefulSetSpec struct {
	replicas        int32
	minReadySeconds int32
	args            []string
}

func (d statefulSetSpec) mutate(s *appsv1.StatefulSet) error {
	labels := map[string]string{"app": "pg"}
	s.Spec = appsv1.StatefulSetSpec{
		Replicas:        ptr.To(d.replicas),
		ServiceName:     "pg",
		MinReadySeconds: d.minReadySeconds,
		Selector:        &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name:  "pg",
				Image: "postgres:17",
				Args:  d.args,
				Ports: []corev1.ContainerPort{{Name: "sql", ContainerPort: 5432}},
			}}},
		},
		VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
			ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceStorage: resource.MustParse("1Gi"),
				}},
			},
		}},
	}
	return nil
}

// kubeWire starts the full kube-apiserver with namespace "db" and returns
// a function that makes clients whose requests wire counts: each client is
// a process of its own to the runtime (it keeps what it applied per
// client).
func kubeWire(t *testing.T) (func() client.Client, *load.Counter) {
	t.Helper()
	env, err := harness.StartKube(t)
	require.NoError(t, err)
	var wire load.Counter
	newClient := func() client.Client {
		c, err := env.NewClient(wire.Wrap(env.Config()))
		require.NoError(t, err)
		return c
	}
	require.NoError(t, newClient().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "db"}}))
	return newClient, &wire
}

// wireCost returns a function that runs apply, requires it to succeed, and
// returns the reads and writes it sent.
func wireCost(t *testing.T, wire *load.Counter) func(apply func() error) (reads, writes int64) {
	return func(apply func() error) (reads, writes int64) {
		t.Helper()
		r, w := wire.Reads(), wire.Writes()
		require.NoError(t, apply())
		return wire.Reads() - r, wire.Writes() - w
	}
}

// storedAt returns a function that reads the object at key through c.
func storedAt[T any, PT interface {
	*T
	client.Object
}](t *testing.T, c client.Client, key client.ObjectKey) func() PT {
	return func() PT {
		got := PT(new(T))
		require.NoError(t, c.Get(context.Background(), key, got))
		return got
	}
}

// TestApplyStatefulSetAgainIsNoOp: a reconciler that applies the same
// StatefulSet, built from scratch, on every pass sends nothing after the
// first apply, through the obj its last apply filled in (no request) or
// by name (the read alone); the API server agrees that nothing changes
// (the resourceVersion stays). A real change right after is sent, as is
// clearing a field this manager set.
func TestApplyStatefulSetAgainIsNoOp(t *testing.T) {
	newClient, wire := kubeWire(t)
	c := newClient()
	ctx := context.Background()
	owner := conflict.WithFieldOwner("db-operator")
	key := client.ObjectKey{Namespace: "db", Name: "pg"}
	byName := func() *appsv1.StatefulSet {
		return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	}
	stored := storedAt[appsv1.StatefulSet](t, c, key)
	cost := wireCost(t, wire)
	want := statefulSetSpec{replicas: 1}

	sts := byName()
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, want.mutate, owner))
	created := stored().ResourceVersion
	got := stored()
	assert.Equal(t, corev1.PullIfNotPresent, got.Spec.Template.Spec.Containers[0].ImagePullPolicy, "the server defaulted inside what mutate set")
	assert.Equal(t, ptr.To(corev1.PersistentVolumeFilesystem), got.Spec.VolumeClaimTemplates[0].Spec.VolumeMode, "and inside the atomic volumeClaimTemplates")

	for pass := range 3 {
		reads, writes := cost(func() error { return apps.ApplyStatefulSet(ctx, c, sts, want.mutate, owner) })
		assert.Equal(t, [2]int64{0, 0}, [2]int64{reads, writes}, "pass %d through the answer: reads, writes", pass)
		reads, writes = cost(func() error { return apps.ApplyStatefulSet(ctx, c, byName(), want.mutate, owner) })
		assert.Equal(t, [2]int64{1, 0}, [2]int64{reads, writes}, "pass %d by name: reads, writes", pass)
	}
	assert.Equal(t, created, stored().ResourceVersion, "nothing was written")

	// A process that never applied it (a restart) cannot tell a default
	// from a change: it sends the apply once, and the server finds
	// nothing to change; after that it sends nothing either.
	restarted := newClient()
	reads, writes := cost(func() error { return apps.ApplyStatefulSet(ctx, restarted, byName(), want.mutate, owner) })
	assert.Equal(t, [2]int64{1, 1}, [2]int64{reads, writes}, "first apply of a new process: reads, writes")
	assert.Equal(t, created, stored().ResourceVersion, "the server changed nothing: the apply repeats the one that created it")
	reads, writes = cost(func() error { return apps.ApplyStatefulSet(ctx, restarted, byName(), want.mutate, owner) })
	assert.Equal(t, [2]int64{1, 0}, [2]int64{reads, writes}, "second apply of the new process: reads, writes")

	// A real change right after a skipped apply is sent.
	changed := statefulSetSpec{replicas: 3, minReadySeconds: 5, args: []string{"-c", "fsync=off"}}
	_, writes = cost(func() error { return apps.ApplyStatefulSet(ctx, c, sts, changed.mutate, owner) })
	assert.Equal(t, int64(1), writes)
	got = stored()
	assert.Equal(t, int32(3), *got.Spec.Replicas)
	assert.Equal(t, int32(5), got.Spec.MinReadySeconds)
	assert.Equal(t, []string{"-c", "fsync=off"}, got.Spec.Template.Spec.Containers[0].Args)
	_, writes = cost(func() error { return apps.ApplyStatefulSet(ctx, c, sts, changed.mutate, owner) })
	assert.Equal(t, int64(0), writes, "the changed spec again")

	// Fields this manager set, cleared: sent, and the server removes them.
	cleared := statefulSetSpec{replicas: 3}
	_, writes = cost(func() error { return apps.ApplyStatefulSet(ctx, c, sts, cleared.mutate, owner) })
	assert.Equal(t, int64(1), writes)
	got = stored()
	assert.Equal(t, int32(0), got.Spec.MinReadySeconds, "minReadySeconds removed")
	assert.Empty(t, got.Spec.Template.Spec.Containers[0].Args, "args removed")
	assert.Equal(t, int32(3), *got.Spec.Replicas)
	rv := got.ResourceVersion
	reads, writes = cost(func() error { return apps.ApplyStatefulSet(ctx, c, byName(), cleared.mutate, owner) })
	assert.Equal(t, [2]int64{1, 0}, [2]int64{reads, writes}, "the cleared spec again, by name")
	assert.Equal(t, rv, stored().ResourceVersion)

	// A mutate that sets the fields one by one on the object it is given
	// (desiredStatefulSet) rather than building the spec anew: the same.
	other := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "pg-fields", Namespace: "db"}}
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, other, desiredStatefulSet(1, "pg"), owner))
	rv = other.ResourceVersion
	reads, writes = cost(func() error { return apps.ApplyStatefulSet(ctx, c, other, desiredStatefulSet(1, "pg"), owner) })
	assert.Equal(t, [2]int64{0, 0}, [2]int64{reads, writes}, "field by field, through the answer: reads, writes")
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(other), other))
	assert.Equal(t, rv, other.ResourceVersion)
}

// TestApplyOfDefaultedFieldsIsNoOpOnTheServer measures the rule the skip
// follows: applying again a configuration that leaves out the fields the
// API server defaulted inside it (a hand-written apply with no field
// manager state of its own) changes nothing on the server: the
// resourceVersion stays.
func TestApplyOfDefaultedFieldsIsNoOpOnTheServer(t *testing.T) {
	newClient, _ := kubeWire(t)
	c := newClient()
	ctx := context.Background()
	body := []byte(`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"pg","namespace":"db"},
"spec":{"replicas":1,"serviceName":"pg","selector":{"matchLabels":{"app":"pg"}},
"template":{"metadata":{"labels":{"app":"pg"}},"spec":{"containers":[{"name":"pg","image":"postgres:17","ports":[{"name":"sql","containerPort":5432}]}]}},
"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}`)
	apply := func() string {
		sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "pg", Namespace: "db"}}
		require.NoError(t, c.Patch(ctx, sts, client.RawPatch(types.ApplyPatchType, body), client.FieldOwner("by-hand")))
		return sts.ResourceVersion
	}
	first := apply()
	assert.Equal(t, first, apply(), "the second apply of the same configuration wrote nothing")
}
