package kube

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	apps "github.com/conflict-gen/conflict-gen/test/kube/zz_generated/apps/v1"
)

// TestApplyProbeStatefulSetZeroReplicasAndAnotherWritersEnv: the apply
// rules on a built-in kind, under uses an operator author may not think
// of. replicas (a pointer) set to 0 is a value, sent and stored, not a clear; another client's Update adds an
// env var inside the container this manager owns (a field of a list
// element it owns without owning the field): the reconciler's spec built
// from scratch without it is no change, costs the read alone by name and
// nothing through the answer, and leaves the env var in place; args
// cleared and set back are sent each time.
func TestApplyProbeStatefulSetZeroReplicasAndAnotherWritersEnv(t *testing.T) {
	newClient, wire := kubeWire(t)
	c := newClient()
	ctx := context.Background()
	owner := conflict.WithFieldOwner("db-operator")
	key := client.ObjectKey{Namespace: "db", Name: "pg"}
	byName := func() *appsv1.StatefulSet {
		return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	}
	stored := storedAt[appsv1.StatefulSet](t, c, key)
	sts := byName()
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, statefulSetSpec{replicas: 3}.mutate, owner))
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, statefulSetSpec{replicas: 0}.mutate, owner))
	assert.Equal(t, ptr.To(int32(0)), stored().Spec.Replicas, "replicas 0 is a value, not a clear (the default is 1)")

	theirs := stored()
	theirs.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "INJECTED", Value: "1"}}
	require.NoError(t, newClient().Update(ctx, theirs, client.FieldOwner("injector")))
	rv := stored().ResourceVersion

	r, w := wire.Reads(), wire.Writes()
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, byName(), statefulSetSpec{replicas: 0}.mutate, owner))
	assert.Equal(t, [2]int64{1, 0}, [2]int64{wire.Reads() - r, wire.Writes() - w}, "by name: the read alone")
	got := stored()
	assert.Equal(t, rv, got.ResourceVersion)
	assert.Equal(t, []corev1.EnvVar{{Name: "INJECTED", Value: "1"}}, got.Spec.Template.Spec.Containers[0].Env, "the other writer's env var stays")

	sts = byName()
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, statefulSetSpec{replicas: 0, args: []string{"-c", "x=1"}}.mutate, owner))
	assert.Equal(t, []string{"-c", "x=1"}, stored().Spec.Template.Spec.Containers[0].Args)
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, statefulSetSpec{replicas: 0}.mutate, owner))
	assert.Empty(t, stored().Spec.Template.Spec.Containers[0].Args, "cleared args are removed")
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, statefulSetSpec{replicas: 0, args: []string{"-c", "x=1"}}.mutate, owner))
	assert.Equal(t, []string{"-c", "x=1"}, stored().Spec.Template.Spec.Containers[0].Args, "set back")
	assert.Equal(t, []corev1.EnvVar{{Name: "INJECTED", Value: "1"}}, stored().Spec.Template.Spec.Containers[0].Env)
}
