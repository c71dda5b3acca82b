// Package v1 has a group whose first DNS label is source's too.
// +groupName=source.example.com
package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Other is a kind.
type Other struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}
