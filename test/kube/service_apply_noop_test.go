package kube

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	core "github.com/conflict-gen/conflict-gen/test/kube/zz_generated/core/v1"
)

// desiredService builds a Service's spec from scratch, as a reconciler
// does: a selector and ports by name and number, without what the API
// server fills in (clusterIP, clusterIPs, ipFamilies, type,
// sessionAffinity, a port's protocol, a key of the ports list, and its
// targetPort).
func desiredService(ports ...int32) func(*corev1.Service) error {
	return func(s *corev1.Service) error {
		s.Labels = map[string]string{"app": "pg"}
		s.Spec = corev1.ServiceSpec{Selector: map[string]string{"app": "pg"}}
		for _, p := range ports {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("p%d", p), Port: p})
		}
		return nil
	}
}

// TestApplyServiceAgainIsNoOp: ApplyService of a Service built from
// scratch, applied again, sends nothing through the answer and only the
// read by name, and the resourceVersion stays; adding a port, then
// removing it, is sent each time.
func TestApplyServiceAgainIsNoOp(t *testing.T) {
	newClient, wire := kubeWire(t)
	c := newClient()
	ctx := context.Background()
	owner := conflict.WithFieldOwner("db-operator")
	key := client.ObjectKey{Namespace: "db", Name: "pg"}
	byName := func() *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	}
	stored := storedAt[corev1.Service](t, c, key)
	cost := wireCost(t, wire)

	svc := byName()
	require.NoError(t, core.ApplyService(ctx, c, svc, desiredService(5432), owner))
	got := stored()
	require.NotEmpty(t, got.Spec.ClusterIP, "the server allocated a clusterIP")
	require.Equal(t, corev1.ProtocolTCP, got.Spec.Ports[0].Protocol, "and defaulted the port's protocol")
	require.Equal(t, intstr.FromInt32(5432), got.Spec.Ports[0].TargetPort, "and its targetPort")
	created := got.ResourceVersion

	for pass := range 3 {
		reads, writes := cost(func() error { return core.ApplyService(ctx, c, svc, desiredService(5432), owner) })
		assert.Equal(t, [2]int64{0, 0}, [2]int64{reads, writes}, "pass %d through the answer: reads, writes", pass)
		reads, writes = cost(func() error { return core.ApplyService(ctx, c, byName(), desiredService(5432), owner) })
		assert.Equal(t, [2]int64{1, 0}, [2]int64{reads, writes}, "pass %d by name: reads, writes", pass)
	}
	assert.Equal(t, created, stored().ResourceVersion, "nothing was written")

	_, writes := cost(func() error { return core.ApplyService(ctx, c, svc, desiredService(5432, 9187), owner) })
	assert.Equal(t, int64(1), writes, "a port added")
	assert.Len(t, stored().Spec.Ports, 2)
	_, writes = cost(func() error { return core.ApplyService(ctx, c, svc, desiredService(5432, 9187), owner) })
	assert.Equal(t, int64(0), writes, "the same again")
	_, writes = cost(func() error { return core.ApplyService(ctx, c, svc, desiredService(5432), owner) })
	assert.Equal(t, int64(1), writes, "the port removed")
	got = stored()
	require.Len(t, got.Spec.Ports, 1, "the server removed it")
	assert.Equal(t, int32(5432), got.Spec.Ports[0].Port)
	reads, writes := cost(func() error { return core.ApplyService(ctx, c, byName(), desiredService(5432), owner) })
	assert.Equal(t, [2]int64{1, 0}, [2]int64{reads, writes}, "the same again, by name")
	assert.Equal(t, got.ResourceVersion, stored().ResourceVersion)

	// In a namespace that does not exist (named as the Service): the
	// API's NotFound after one read and one apply, not a deleted object.
	r, w := wire.Reads(), wire.Writes()
	bounded, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := core.ApplyService(bounded, c, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "nowhere", Namespace: "nowhere"}},
		desiredService(5432), owner)
	assert.True(t, apierrors.IsNotFound(err), "want NotFound, got %v", err)
	assert.NotErrorIs(t, err, conflict.ErrObjectDeleted)
	assert.Equal(t, [2]int64{1, 1}, [2]int64{wire.Reads() - r, wire.Writes() - w}, "reads, writes")
}
