package kube

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/test/harness"
)

// TestStatefulSetImmutableFieldsAreValidatedByTheServer proves that the
// server is the real kube-apiserver: apps/v1's validation accepts an
// update that leaves spec.selector alone and refuses one that changes it
// with the API's Invalid error, naming the field.
func TestStatefulSetImmutableFieldsAreValidatedByTheServer(t *testing.T) {
	start := time.Now()
	env, err := harness.StartKube(t)
	require.NoError(t, err)
	t.Logf("kube-apiserver started and CRDs installed in %s", time.Since(start).Round(time.Millisecond))
	c, err := env.NewClient(nil)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "db"}}))

	labels := map[string]string{"app": "pg"}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "pg", Namespace: "db"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "pg", Image: "postgres:17"}}},
			},
		},
	}
	require.NoError(t, c.Create(ctx, sts))

	// A mutable field: accepted.
	sts.Spec.Replicas = ptr.To[int32](3)
	require.NoError(t, c.Update(ctx, sts))
	got := &appsv1.StatefulSet{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(sts), got))
	assert.Equal(t, int32(3), *got.Spec.Replicas)

	// The selector (and the template's labels with it, so that only the
	// immutability rule can refuse it): Invalid, nothing written.
	changed := got.DeepCopy()
	changed.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "pg2"}}
	changed.Spec.Template.Labels = map[string]string{"app": "pg2"}
	err = c.Update(ctx, changed)
	require.Error(t, err)
	assert.True(t, apierrors.IsInvalid(err), "want Invalid, got %v", err)
	var status apierrors.APIStatus
	require.ErrorAs(t, err, &status)
	var fields []string
	for _, cause := range status.Status().Details.Causes {
		fields = append(fields, cause.Field)
	}
	assert.Contains(t, fields, "spec.selector", "the causes name the immutable field: %v", fields)

	after := &appsv1.StatefulSet{}
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(sts), after))
	assert.Equal(t, labels, after.Spec.Selector.MatchLabels)
	assert.Equal(t, got.ResourceVersion, after.ResourceVersion)
}
