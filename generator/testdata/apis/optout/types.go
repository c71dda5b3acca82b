package optout

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Skipped follows the package.
type Skipped struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}

// Wanted opts back in.
// +conflict:generate=true
type Wanted struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}
