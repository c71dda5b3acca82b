package contradictions

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing has markers that contradict each other, or what the field is.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec `json:"spec"`
}

// Period is ordered nowhere: a type-level marker that does not fit.
// +conflict:merge=max
type Period struct {
	From string `json:"from"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	// Conditions are always keyed by type.
	// +listType=map
	// +listMapKey=typ
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// +conflict:merge=union
	// +listType=atomic
	Tags []string `json:"tags,omitempty"`

	// +conflict:merge=atomic
	// +listType=set
	Names []string `json:"names,omitempty"`

	// The marker is on the type, not here.
	Period Period `json:"period"`
}
