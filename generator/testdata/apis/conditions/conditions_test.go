package conditions

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// These tests run on the helpers generated next to these types, in the
// scratch module of TestGeneratedIntoTheAPIPackageCompiles.

func TestSetConditionOfAnotherShapeFollowsSetStatusCondition(t *testing.T) {
	obj := &Bucket{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	earlier := metav1.NewTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))

	if !SetBucketCondition(obj, ManagedCondition{Type: "Ready", Status: corev1.ConditionFalse, Reason: "Creating"}) {
		t.Fatal("adding a condition is a change")
	}
	added := obj.Status.Conditions[0]
	if added.LastTransitionTime.IsZero() || added.ObservedGeneration != 3 {
		t.Errorf("an added condition gets a time and the generation: %+v", added)
	}
	obj.Status.Conditions[0].LastTransitionTime = earlier

	if SetBucketCondition(obj, ManagedCondition{Type: "Ready", Status: corev1.ConditionFalse, Reason: "Creating"}) {
		t.Error("the same condition again is no change")
	}
	obj.Generation = 4
	if !SetBucketCondition(obj, ManagedCondition{Type: "Ready", Status: corev1.ConditionFalse, Reason: "Waiting", Message: "for the bucket"}) {
		t.Error("a new reason is a change")
	}
	if got := obj.Status.Conditions[0]; !got.LastTransitionTime.Equal(&earlier) || got.Reason != "Waiting" || got.ObservedGeneration != 4 {
		t.Errorf("the status did not change, so its time stays: %+v", got)
	}
	if !SetBucketCondition(obj, ManagedCondition{Type: "Ready", Status: corev1.ConditionTrue, Reason: "Available"}) {
		t.Error("a new status is a change")
	}
	if got := obj.Status.Conditions[0]; got.LastTransitionTime.Equal(&earlier) || got.LastTransitionTime.IsZero() {
		t.Errorf("the status changed, so its time moves: %+v", got)
	}
	given := metav1.NewTime(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	SetBucketCondition(obj, ManagedCondition{Type: "Ready", Status: corev1.ConditionFalse, LastTransitionTime: given})
	if got := obj.Status.Conditions[0]; !got.LastTransitionTime.Equal(&given) {
		t.Errorf("a status change takes c's own time: %+v", got)
	}
	if len(obj.Status.Conditions) != 1 {
		t.Errorf("one condition per type: %+v", obj.Status.Conditions)
	}
}

func TestSetConditionOnANamedListWithoutObservedGeneration(t *testing.T) {
	obj := &Cluster{}
	SetClusterCondition(obj, ClusterCondition{Type: "Ready", Status: corev1.ConditionTrue, Severity: "Info"})
	SetClusterCondition(obj, ClusterCondition{Type: "Synced", Status: corev1.ConditionTrue})
	if !SetClusterCondition(obj, ClusterCondition{Type: "Ready", Status: corev1.ConditionTrue, Severity: "Warning"}) {
		t.Error("a new severity is a change")
	}
	if len(obj.Status.Conditions) != 2 || obj.Status.Conditions[0].Severity != "Warning" {
		t.Errorf("got %+v", obj.Status.Conditions)
	}
}

func TestSetConditionKeepsTheOtherTimes(t *testing.T) {
	obj := &Rollout{}
	updated := metav1.NewTime(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	SetRolloutCondition(obj, RolloutCondition{Type: "Progressing", Status: corev1.ConditionTrue, LastUpdateTime: updated})
	if got := obj.Status.Conditions[0]; !got.LastUpdateTime.Equal(&updated) || got.LastTransitionTime.IsZero() {
		t.Errorf("got %+v", got)
	}
}
