package load

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The status workload is where server-side apply matters: several
// processes write the status of one object, each its own status field and
// its own conditions (one per goroutine, whose message counts that
// goroutine's updates), so that no two processes ever want the same
// field. Optimistic locking still makes them conflict; apply need not.

// ProcessEnv names the variable that gives a worker process its index
// among the processes of a row; the status workload picks the status
// field a process owns by it.
const ProcessEnv = "CONFLICT_GEN_BENCH_PROCESS"

// processIndex is this process's index (0 when not set).
func processIndex() int {
	i, _ := strconv.Atoi(os.Getenv(ProcessEnv))
	return i
}

// StatusStrategies are the ways compared on the status workload:
// UpdateNodeStatusWithRetry with combining on (the baseline), the
// generated ApplyNodeStatus with a field owner per process, and
// server-side apply written by hand as it usually is: read the object,
// change the typed struct, and apply the whole status with a field owner
// per process, forced (without force, every process's apply of the
// others' fields would be refused).
var StatusStrategies = []Strategy{
	{Name: "conflict-gen UpdateNodeStatusWithRetry (combining on)", Ours: true, Baseline: true,
		New: statusWorkload(updateStatus), Applied: workerConditions},
	{Name: "conflict-gen ApplyNodeStatus, a field owner per process", Ours: true,
		New: statusWorkload(applyStatus), Applied: workerConditions},
	{Name: "hand-written SSA of the whole typed status, forced", New: statusWorkload(wholeStatusApply),
		Applied: workerConditions},
}

// statusChange is one update of the status workload on obj, the worker's
// copy of the Node: mutate sets the process's field and the worker's
// condition.
type statusChange func(ctx context.Context, c client.Client, obj *infrav1alpha1.Node, mutate func(*infrav1alpha1.Node)) error

// statusWorkload runs change with the mutation of process p's worker:
// its field and its condition, whose message is its count of updates.
// Each worker holds its copy of the Node, as a reconciler holds what it
// read; the helpers keep it current (it starts nameless: the first call
// reads it).
func statusWorkload(change statusChange) func(client.Client, string) Update {
	return func(c client.Client, name string) Update {
		p := processIndex()
		var mu sync.Mutex
		seq := map[int]int{}
		held := map[int]*infrav1alpha1.Node{}
		return func(ctx context.Context, worker int) error {
			mu.Lock()
			seq[worker]++
			n := seq[worker]
			obj, ok := held[worker]
			if !ok {
				obj = &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
				held[worker] = obj
			}
			mu.Unlock()
			return change(ctx, c, obj, func(node *infrav1alpha1.Node) {
				setProcessField(&node.Status, p, n)
				helpers.SetNodeCondition(node, metav1.Condition{Type: workerConditionType(p, worker),
					Status: metav1.ConditionTrue, Reason: "Bench", Message: strconv.Itoa(n)})
			})
		}
	}
}

// setProcessField sets the status field process p owns to reflect update
// n: count, observedGeneration, lastStartupTime, progress; processes
// beyond the fourth own conditions only.
func setProcessField(s *infrav1alpha1.NodeStatus, p, n int) {
	switch p {
	case 0:
		s.Count = int64(n)
	case 1:
		s.ObservedGeneration = int64(n)
	case 2:
		t := metav1.NewTime(time.Unix(int64(n), 0))
		s.LastStartupTime = &t
	case 3:
		s.Progress = []infrav1alpha1.Progress{infrav1alpha1.ProgressReady, infrav1alpha1.ProgressStartingUp}[n%2]
	}
}

// workerConditionType names the condition of process p's worker.
func workerConditionType(p, worker int) string { return fmt.Sprintf("P%d-W%d", p, worker) }

// workerConditions adds up the workers' counts as their conditions show
// them: an update that was lost or overwritten leaves a smaller count.
func workerConditions(n *infrav1alpha1.Node) int {
	total := 0
	for _, c := range n.Status.Conditions {
		if v, err := strconv.Atoi(c.Message); err == nil {
			total += v
		}
	}
	return total
}

func updateStatus(ctx context.Context, c client.Client, obj *infrav1alpha1.Node, mutate func(*infrav1alpha1.Node)) error {
	return helpers.UpdateNodeStatusWithRetry(ctx, c, obj, func(n *infrav1alpha1.Node) error {
		mutate(n)
		return nil
	})
}

func applyStatus(ctx context.Context, c client.Client, obj *infrav1alpha1.Node, mutate func(*infrav1alpha1.Node)) error {
	return helpers.ApplyNodeStatus(ctx, c, obj, func(n *infrav1alpha1.Node) error {
		mutate(n)
		return nil
	}, conflict.WithFieldOwner(fmt.Sprintf("bench-process-%d", processIndex())))
}

// wholeStatusApply reads the Node, changes its typed status and applies
// all of it: the apply carries every field and condition the read showed,
// the other processes' included, as of the read.
func wholeStatusApply(ctx context.Context, c client.Client, obj *infrav1alpha1.Node, mutate func(*infrav1alpha1.Node)) error {
	name := obj.Name
	n := &infrav1alpha1.Node{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
		return err
	}
	mutate(n)
	applied := &infrav1alpha1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: infrav1alpha1.GroupVersion.String(), Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status:     n.Status,
	}
	body, err := json.Marshal(applied)
	if err != nil {
		return err
	}
	return c.Status().Patch(ctx, applied, client.RawPatch(types.ApplyPatchType, body),
		client.FieldOwner(fmt.Sprintf("bench-whole-%d", processIndex())), client.ForceOwnership)
}
