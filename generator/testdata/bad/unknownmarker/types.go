package unknownmarker

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing has a misspelt marker.
// +conflict:generat=true
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}
