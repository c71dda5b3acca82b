package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// TestConcurrentWritersOfDifferentFieldsMerge: two writers hold the object
// they read and the object they want, and write with UpdateXFrom and
// UpdateXStatusFrom at the same time. Each owns other fields and its own
// condition; the three-way merge keeps every change of both.
func TestConcurrentWritersOfDifferentFieldsMerge(t *testing.T) {
	const rounds = 40
	powerStates := []infrav1alpha1.PowerState{infrav1alpha1.PowerStateOn, infrav1alpha1.PowerStateOff}
	c := newClient(t)
	createNode(t, c, "two-writers")

	type writer struct {
		name      string
		spec      func(n *infrav1alpha1.Node, i int)
		status    func(n *infrav1alpha1.Node, i int)
		condition string
	}
	writers := []writer{
		{"a", func(n *infrav1alpha1.Node, i int) { n.Spec.Pricing = int64(i) },
			func(n *infrav1alpha1.Node, i int) { n.Status.Count = int64(i) }, "WriterA"},
		{"b", func(n *infrav1alpha1.Node, i int) { n.Spec.KubernetesNodeName = "worker-" + strconv.Itoa(i) },
			func(n *infrav1alpha1.Node, i int) { n.Status.PowerState = powerStates[i%2] }, "WriterB"},
	}
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			held := getNode(t, c, "two-writers")
			for i := 1; i <= rounds; i++ {
				modified := held.DeepCopy()
				w.spec(modified, i)
				if !assert.NoError(t, helpers.UpdateNodeFrom(ctx(t), c, held, modified)) {
					return
				}
				held = modified
				modified = held.DeepCopy()
				w.status(modified, i)
				helpers.SetNodeCondition(modified, metav1.Condition{Type: w.condition, Status: metav1.ConditionTrue,
					Reason: "Round", Message: fmt.Sprint(i)})
				if !assert.NoError(t, helpers.UpdateNodeStatusFrom(ctx(t), c, held, modified)) {
					return
				}
				held = modified
			}
		}()
	}
	wg.Wait()

	n := getNode(t, c, "two-writers")
	assert.Equal(t, int64(rounds), n.Spec.Pricing, "a's last spec change")
	assert.Equal(t, "worker-"+strconv.Itoa(rounds), n.Spec.KubernetesNodeName, "b's last spec change")
	assert.Equal(t, int64(rounds), n.Status.Count, "a's last status change")
	assert.Equal(t, powerStates[rounds%2], n.Status.PowerState, "b's last status change")
	for _, w := range writers {
		cond := meta.FindStatusCondition(n.Status.Conditions, w.condition)
		if assert.NotNil(t, cond, w.condition) {
			assert.Equal(t, fmt.Sprint(rounds), cond.Message, "%s's last condition", w.name)
		}
	}
}

// TestStrictFieldChangedByBothWritesNothing: both writers move the Node to
// a different Group (spec.groupRef is strict): the second gets a
// MergeError naming the field with its three values, and its other
// changes are not written either.
func TestStrictFieldChangedByBothWritesNothing(t *testing.T) {
	proxy := env.StartProxy()
	defer proxy.Close()
	c, err := env.NewClient(proxy.Config())
	require.NoError(t, err)
	original := createNode(t, c, "strict")

	theirs := original.DeepCopy()
	theirs.Spec.GroupRef = "g2"
	require.NoError(t, helpers.UpdateNodeFrom(ctx(t), c, original.DeepCopy(), theirs))
	after := getNode(t, c, "strict")
	proxy.Writes()

	ours := original.DeepCopy()
	ours.Spec.GroupRef = "g3"
	ours.Spec.Pricing = 50
	err = helpers.UpdateNodeFrom(ctx(t), c, original, ours)

	var merr *conflict.MergeError
	require.ErrorAs(t, err, &merr)
	assert.Equal(t, []conflict.FieldConflict{{Path: "spec.groupRef", Base: "g1", Current: "g2", Desired: "g3"}}, merr.Conflicts)
	assert.Len(t, proxy.Writes(), 1, "the first, stale write only: no merged write")
	final := &infrav1alpha1.Node{}
	require.NoError(t, c.Get(ctx(t), client.ObjectKey{Name: "strict"}, final))
	assert.Equal(t, after.ResourceVersion, final.ResourceVersion, "nothing was written")
	assert.Equal(t, "g2", final.Spec.GroupRef)
}
