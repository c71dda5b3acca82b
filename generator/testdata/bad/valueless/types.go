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

// Logged has a request log marker without a field path.
// +kubebuilder:subresource:status
// +conflict:requestLog
type Logged struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            LoggedStatus `json:"status"`
}

// Observed has an observed generation marker with an empty field path.
// +conflict:observedGeneration=
type Observed struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            LoggedStatus `json:"status"`
}

// LoggedStatus is the status.
type LoggedStatus struct {
	Log                []string `json:"log,omitempty"`
	ObservedGeneration int64    `json:"observedGeneration,omitempty"`
}
