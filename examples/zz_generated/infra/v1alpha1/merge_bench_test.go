package v1alpha1_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
)

// benchTriple is one concurrent edit of a Node with five spec fields and
// five conditions: they change the pricing and the Ready condition, we
// change the node name and the Synced condition.
func benchTriple() (base, current, desired *infrav1alpha1.Node) {
	at := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	later := metav1.NewTime(at.Add(time.Minute))
	base = &infrav1alpha1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "infra.homelab-autoscaler.dev/v1alpha1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: "n1", ResourceVersion: "10", Generation: 3, Labels: map[string]string{"group": "g1"}},
		Spec: infrav1alpha1.NodeSpec{
			DesiredPowerState: infrav1alpha1.PowerStateOn, GroupRef: "g1", KubernetesNodeName: "worker-1",
			Pricing: 10, StartupPodSpec: "start",
		},
		Status: infrav1alpha1.NodeStatus{PowerState: infrav1alpha1.PowerStateOn, Progress: infrav1alpha1.ProgressReady, ObservedGeneration: 3},
	}
	for _, typ := range []string{"Ready", "Synced", "Powered", "Reachable", "Drained"} {
		base.Status.Conditions = append(base.Status.Conditions, metav1.Condition{
			Type: typ, Status: metav1.ConditionTrue, ObservedGeneration: 3, LastTransitionTime: at, Reason: "Fine", Message: typ + " is fine",
		})
	}
	current, desired = base.DeepCopy(), base.DeepCopy()
	current.ResourceVersion = "11"
	current.Spec.Pricing = 20
	current.Status.Conditions[0] = metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, ObservedGeneration: 3, LastTransitionTime: later, Reason: "Lost", Message: "gone"}
	desired.Spec.KubernetesNodeName = "worker-2"
	desired.Status.Conditions[1] = metav1.Condition{Type: "Synced", Status: metav1.ConditionFalse, ObservedGeneration: 3, LastTransitionTime: later, Reason: "Stale", Message: "behind"}
	return base, current, desired
}

// kept holds the last copy the DeepCopy benchmark made.
var kept *infrav1alpha1.Node

// BenchmarkMerge compares, on the same triple, the generated typed merge
// with the JSON-based three-way merges a hand-written operator would use:
//
//	cd examples && go test ./zz_generated/infra/v1alpha1 -run '^$' -bench BenchmarkMerge -benchmem
//
// The JSON merges take and give typed objects, as the caller holds them,
// so their marshalling is part of the cost. DeepCopy is the floor the
// typed merge's allocations are measured against.
func BenchmarkMerge(b *testing.B) {
	base, current, desired := benchTriple()
	b.Run("MergeNode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := helpers.MergeNode(base, current, desired); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DeepCopy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			// Kept, as a caller keeps its copy: a discarded copy can live
			// on the stack and would not count the object's allocation.
			kept = current.DeepCopy()
		}
	})
	meta, err := strategicpatch.NewPatchMetaFromStruct(&infrav1alpha1.Node{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("StrategicThreeWay", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := strategicMerge(meta, base, current, desired); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("JSONMergePatch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jsonMergePatchMerge(base, current, desired); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// strategicMerge is the three-way merge kubectl apply uses:
// CreateThreeWayMergePatch(base, desired, current), applied to current.
func strategicMerge(meta strategicpatch.LookupPatchMeta, base, current, desired *infrav1alpha1.Node) (*infrav1alpha1.Node, error) {
	b, c, d, err := marshal3(base, current, desired)
	if err != nil {
		return nil, err
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch(b, d, c, meta, true)
	if err != nil {
		return nil, err
	}
	merged, err := strategicpatch.StrategicMergePatchUsingLookupPatchMeta(c, patch, meta)
	if err != nil {
		return nil, err
	}
	out := &infrav1alpha1.Node{}
	return out, json.Unmarshal(merged, out)
}

// jsonMergePatchMerge diffs base and desired as a JSON merge patch and
// applies it to current, as client.MergeFrom does.
func jsonMergePatchMerge(base, current, desired *infrav1alpha1.Node) (*infrav1alpha1.Node, error) {
	b, c, d, err := marshal3(base, current, desired)
	if err != nil {
		return nil, err
	}
	patch, err := jsonpatch.CreateMergePatch(b, d)
	if err != nil {
		return nil, err
	}
	merged, err := jsonpatch.MergePatch(c, patch)
	if err != nil {
		return nil, err
	}
	out := &infrav1alpha1.Node{}
	return out, json.Unmarshal(merged, out)
}

func marshal3(objs ...*infrav1alpha1.Node) (b, c, d []byte, err error) {
	var out [3][]byte
	for i, o := range objs {
		if out[i], err = json.Marshal(o); err != nil {
			return nil, nil, nil, fmt.Errorf("marshal: %w", err)
		}
	}
	return out[0], out[1], out[2], nil
}

// TestMergeApproachesOnTheBenchmarkTriple shows what each approach of the
// benchmark gives on its triple: only the typed merge keeps every change
// of both writers.
func TestMergeApproachesOnTheBenchmarkTriple(t *testing.T) {
	base, current, desired := benchTriple()
	typed, err := helpers.MergeNode(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := strategicpatch.NewPatchMetaFromStruct(&infrav1alpha1.Node{})
	if err != nil {
		t.Fatal(err)
	}
	strategic, err := strategicMerge(meta, base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	mergePatch, err := jsonMergePatchMerge(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		Pricing       int64  // theirs: 20
		NodeName      string // ours: worker-2
		Ready, Synced string // theirs: Lost, ours: Stale
	}
	of := func(n *infrav1alpha1.Node) outcome {
		return outcome{n.Spec.Pricing, n.Spec.KubernetesNodeName, n.Status.Conditions[0].Reason, n.Status.Conditions[1].Reason}
	}
	if got, want := of(typed), (outcome{20, "worker-2", "Lost", "Stale"}); got != want {
		t.Errorf("typed merge: got %+v, want every change of both sides %+v", got, want)
	}
	// kubectl apply's three-way merge: desired owns every field it sets,
	// so their pricing goes, and the conditions list is replaced whole.
	if got, want := of(strategic), (outcome{10, "worker-2", "Fine", "Stale"}); got != want {
		t.Errorf("strategic merge: got %+v, want %+v", got, want)
	}
	// A merge patch of base to desired keeps their pricing, but replaces
	// the conditions list whole: their Ready change is lost.
	if got, want := of(mergePatch), (outcome{20, "worker-2", "Fine", "Stale"}); got != want {
		t.Errorf("JSON merge patch: got %+v, want %+v", got, want)
	}
}
