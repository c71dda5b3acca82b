package badarg

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing has a marker argument of the wrong type.
// +conflict:generate=maybe
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}
