package load

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// Strategy is one way an operator updates the hot Node.
type Strategy struct {
	// Name says what it is in a table.
	Name string
	// Ours is set for conflict-gen's helpers.
	Ours bool
	// Baseline is the strategy the others are compared with.
	Baseline bool
	// New returns the update one process makes on the Node named name.
	New func(c client.Client, name string) Update
	// Applied counts, on the Node after a run, the updates that landed.
	Applied func(n *infrav1alpha1.Node) int
}

// Strategies are the ways compared by make bench: the seed's
// read-mutate-write in client-go's RetryOnConflict, controllerutil's
// CreateOrUpdate, a JSON merge patch with optimistic locking, server-side
// apply, and the generated helpers with combining off and on. All but
// server-side apply increment spec.pricing; server-side apply has every
// writer own one condition and set its message to a sequence number, the
// use it is made for (it cannot increment).
var Strategies = []Strategy{
	{Name: "GET+PUT in RetryOnConflict(DefaultRetry)", New: retryOnConflict(retry.DefaultRetry), Applied: pricing},
	{Name: "GET+PUT in RetryOnConflict(DefaultBackoff)", Baseline: true, New: retryOnConflict(retry.DefaultBackoff), Applied: pricing},
	{Name: "CreateOrUpdate in RetryOnConflict(DefaultRetry)", New: createOrUpdate, Applied: pricing},
	{Name: "merge patch, optimistic lock, RetryOnConflict(DefaultBackoff)", New: mergePatch, Applied: pricing},
	{Name: "server-side apply, a field owner per writer", New: serverSideApply, Applied: appliedConditions},
	{Name: "conflict-gen UpdateNodeWithRetry, combining off", Ours: true, New: generated(false), Applied: pricing},
	{Name: "conflict-gen UpdateNodeWithRetry", Ours: true, New: generated(true), Applied: pricing},
}

func pricing(n *infrav1alpha1.Node) int { return int(n.Spec.Pricing) }

func getIncrementPut(ctx context.Context, c client.Client, name string) error {
	n := &infrav1alpha1.Node{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
		return err
	}
	n.Spec.Pricing++
	return c.Update(ctx, n)
}

func retryOnConflict(b wait.Backoff) func(client.Client, string) Update {
	return func(c client.Client, name string) Update {
		return func(ctx context.Context, _ int) error {
			return retry.RetryOnConflict(b, func() error { return getIncrementPut(ctx, c, name) })
		}
	}
}

func createOrUpdate(c client.Client, name string) Update {
	return func(ctx context.Context, _ int) error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			n := &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
			_, err := controllerutil.CreateOrUpdate(ctx, c, n, func() error {
				n.Spec.Pricing++
				return nil
			})
			return err
		})
	}
}

func mergePatch(c client.Client, name string) Update {
	return func(ctx context.Context, _ int) error {
		return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
			n := &infrav1alpha1.Node{}
			if err := c.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
				return err
			}
			patch := client.MergeFromWithOptions(n.DeepCopy(), client.MergeFromWithOptimisticLock{})
			n.Spec.Pricing++
			return c.Patch(ctx, n, patch)
		})
	}
}

// serverSideApply applies the writer's own condition, whose message
// counts the writer's updates; seq keeps each writer's count.
func serverSideApply(c client.Client, name string) Update {
	var mu sync.Mutex
	seq := make(map[int]int)
	return func(ctx context.Context, worker int) error {
		mu.Lock()
		seq[worker]++
		n := seq[worker]
		mu.Unlock()
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": infrav1alpha1.GroupVersion.String(),
			"kind":       "Node",
			"metadata":   map[string]any{"name": name},
			"status": map[string]any{"conditions": []any{map[string]any{
				"type": writerCondition(worker), "status": "True", "reason": "Bench",
				"message": strconv.Itoa(n), "lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
			}}},
		}}
		return c.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(u),
			client.FieldOwner(fmt.Sprintf("bench-writer-%d-%d", os.Getpid(), worker)), client.ForceOwnership)
	}
}

// writerCondition is the condition a writer owns; the process id keeps
// the writers of several processes apart.
func writerCondition(worker int) string { return fmt.Sprintf("Writer%d-%d", os.Getpid(), worker) }

// appliedConditions adds up the writers' counts as their conditions show
// them: an apply that was lost leaves a smaller count.
func appliedConditions(n *infrav1alpha1.Node) int {
	total := 0
	for _, c := range n.Status.Conditions {
		if v, err := strconv.Atoi(c.Message); err == nil {
			total += v
		}
	}
	return total
}

// generated updates through the generated helper. Each writer holds its
// copy of the Node, as a reconciler or handler holds what it read; the
// helper keeps it current (it starts nameless: the first call reads it).
func generated(combining bool) func(client.Client, string) Update {
	return func(c client.Client, name string) Update {
		var mu sync.Mutex
		held := make(map[int]*infrav1alpha1.Node)
		return func(ctx context.Context, worker int) error {
			mu.Lock()
			n, ok := held[worker]
			if !ok {
				n = &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
				held[worker] = n
			}
			mu.Unlock()
			return helpers.UpdateNodeWithRetry(ctx, c, n, func(n *infrav1alpha1.Node) error {
				n.Spec.Pricing++
				return nil
			}, conflict.WithCombining(combining))
		}
	}
}
