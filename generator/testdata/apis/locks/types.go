// Package locks holds a kind whose spec reaches a type that holds a lock
// through a pointer, a slice, a map and an array: the merge must copy it
// with its DeepCopyInto, never by value. Tested in a scratch module
// (TestGeneratedIntoTheAPIPackageCompiles).
// +groupName=locks.example.com
package locks

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Inner holds a lock, which its DeepCopyInto does not copy.
type Inner struct {
	mu sync.Mutex
	N  int `json:"n"`
}

// Locked is a kind.
// +kubebuilder:object:root=true
type Locked struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec LockedSpec `json:"spec,omitempty"`
}

// LockedSpec reaches Inner in every way a field can.
type LockedSpec struct {
	Ptr   *Inner           `json:"ptr,omitempty"`
	Slice []Inner          `json:"slice,omitempty"`
	ByKey map[string]Inner `json:"byKey,omitempty"`
	Pair  [2]Inner         `json:"pair"`
}
