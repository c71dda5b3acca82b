package valueless

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing has a merge marker without a strategy.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec `json:"spec"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	// +conflict:merge
	Value string `json:"value"`
}
