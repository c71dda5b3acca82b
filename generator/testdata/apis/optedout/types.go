package optedout

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Quiet is a kind that gets no helpers.
type Quiet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}
