package unknownstrategy

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing has a field with a strategy that does not exist.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec `json:"spec"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	// +conflict:merge=newest
	Value string `json:"value"`
}
