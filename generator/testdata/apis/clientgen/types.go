package clientgen

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/conflict-gen/conflict-gen/generator/testdata/apis/shared"
)

// +genclient
// +genclient:method=GetScale,verb=get,subresource=scale,result=Scale
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Deployment embeds its status fields from another package, inline.
type Deployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DeploymentSpec   `json:"spec,omitempty"`
	Status DeploymentStatus `json:"status,omitempty"`
}

// DeploymentSpec has a recursive type from another package.
type DeploymentSpec struct {
	Replicas int32            `json:"replicas"`
	Tree     shared.Recursive `json:"tree"`
}

// DeploymentStatus embeds the shared status inline.
type DeploymentStatus struct {
	shared.CommonStatus `json:",inline"`
	Replicas            int32 `json:"replicas"`
}

// +genclient
// +genclient:noStatus
// +genclient:nonNamespaced

// Secret has no status subresource.
type Secret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Data              map[string][]byte `json:"data,omitempty"`
}

// +genclient
// +genclient:skipVerbs=updateStatus

// Lease skips the status verb.
type Lease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            DeploymentStatus `json:"status,omitempty"`
}

// DeploymentList is a list.
type DeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Deployment `json:"items"`
}
