package lockedcollections

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Thing reaches a lock in collections that would copy it.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec `json:"spec"`
}

// Locked holds a lock and has no DeepCopyInto.
type Locked struct {
	mu sync.Mutex
	N  int `json:"n"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	ByKey map[string]Locked `json:"byKey,omitempty"`

	// +listType=set
	Set []Locked `json:"set,omitempty"`

	Pair [2]Locked `json:"pair"`
}
