package kube

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
	apps "github.com/conflict-gen/conflict-gen/test/kube/zz_generated/apps/v1"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// desiredStatefulSet is what a database operator's reconciler wants of
// its StatefulSet, seed 000's case: a selector, a pod template and a
// volume claim template, all of which apps/v1 validation keeps immutable
// but replicas and the template.
func desiredStatefulSet(replicas int32, app string) func(*appsv1.StatefulSet) error {
	return func(s *appsv1.StatefulSet) error {
		labels := map[string]string{"app": app}
		s.Spec.Replicas = ptr.To(replicas)
		s.Spec.ServiceName = "pg"
		s.Spec.Selector = &metav1.LabelSelector{MatchLabels: labels}
		s.Spec.Template.Labels = labels
		s.Spec.Template.Spec.Containers = []corev1.Container{{Name: "pg", Image: "postgres:17"}}
		s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
			ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceStorage: resource.MustParse("1Gi"),
				}},
			},
		}}
		return nil
	}
}

// TestApplyStatefulSetCreatesAndKeepsImmutableFields: ApplyStatefulSet,
// generated for k8s.io/api's apps/v1 through --output-dir, creates the
// StatefulSet a controller owns; applying it again with the immutable
// fields unchanged (selector, volumeClaimTemplates) is accepted by the
// real apps/v1 validation, and a changed immutable field comes back as the API's Invalid error after
// one request, not retried, with nothing written.
func TestApplyStatefulSetCreatesAndKeepsImmutableFields(t *testing.T) {
	env, err := harness.StartKube(t)
	require.NoError(t, err)
	var wire load.Counter
	c, err := env.NewClient(wire.Wrap(env.Config()))
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "db"}}))
	owner := conflict.WithFieldOwner("db-operator")
	byName := func() *appsv1.StatefulSet {
		return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "pg", Namespace: "db"}}
	}

	sts := byName()
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, desiredStatefulSet(1, "pg"), owner))
	require.NotEmpty(t, sts.UID, "obj holds the created object")
	stored := &appsv1.StatefulSet{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(sts), stored))
	assert.Equal(t, int32(1), *stored.Spec.Replicas)
	assert.Equal(t, "1Gi", stored.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String())

	// Again, as the next reconcile does, from a read: the immutable fields
	// are sent unchanged and accepted; replicas changes.
	sts = byName()
	require.NoError(t, apps.ApplyStatefulSet(ctx, c, sts, desiredStatefulSet(3, "pg"), owner))
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(sts), stored))
	assert.Equal(t, int32(3), *stored.Spec.Replicas)

	// A changed selector: Invalid, after one request, nothing written.
	before, writes := wire.Requests(), wire.Writes()
	err = apps.ApplyStatefulSet(ctx, c, sts, desiredStatefulSet(3, "pg2"), owner)
	require.Error(t, err)
	assert.True(t, apierrors.IsInvalid(err), "want the API's Invalid error, got %v", err)
	assert.Equal(t, int64(1), wire.Writes()-writes, "one apply, not retried")
	assert.Equal(t, int64(1), wire.Requests()-before, "no read, no retry")
	after := &appsv1.StatefulSet{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(sts), after))
	assert.Equal(t, stored.ResourceVersion, after.ResourceVersion, "nothing written")
	assert.Equal(t, "pg", after.Spec.Selector.MatchLabels["app"])
}
