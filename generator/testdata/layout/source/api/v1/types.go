// Package v1 is laid out as Flux's controllers lay out their APIs, at
// .../api/v1.
// +groupName=source.toolkit.fluxcd.io
package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing is a kind.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}
