package badobsgen

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Missing names a field that does not exist.
// +conflict:observedGeneration=Status.Seen
type Missing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// WrongType names a field that is not an int64.
// +conflict:observedGeneration=Status.Phase
type WrongType struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// ThingStatus is the status.
type ThingStatus struct {
	Phase string `json:"phase"`
}
