package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ScaleDownPolicy says which Nodes of a Group are powered off first.
// +kubebuilder:validation:Enum=cheapest-last;newest-first;oldest-first
type ScaleDownPolicy string

// The scale-down policies.
const (
	ScaleDownCheapestLast ScaleDownPolicy = "cheapest-last"
	ScaleDownNewestFirst  ScaleDownPolicy = "newest-first"
	ScaleDownOldestFirst  ScaleDownPolicy = "oldest-first"
)

// GroupPolicy is how a Group scales.
type GroupPolicy struct {
	// ScaleDown says which Nodes go first.
	// +kubebuilder:default=cheapest-last
	// +optional
	ScaleDown ScaleDownPolicy `json:"scaleDown,omitempty"`

	// ScaleDownUnneededTime is how long a Node must be unneeded before it
	// is powered off.
	// +optional
	ScaleDownUnneededTime *metav1.Duration `json:"scaleDownUnneededTime,omitempty"`

	// MaxNodeProvisionTime is how long a Node may take to become ready.
	// +optional
	MaxNodeProvisionTime *metav1.Duration `json:"maxNodeProvisionTime,omitempty"`
}

// GroupSpec is the size a Group may have.
type GroupSpec struct {
	// MinSize is the smallest number of powered Nodes.
	// +kubebuilder:validation:Minimum=0
	MinSize int32 `json:"minSize"`

	// MaxSize is the largest number of powered Nodes.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	MaxSize int32 `json:"maxSize"`

	// TargetSize is the number of powered Nodes the cluster autoscaler
	// asked for (NodeGroupIncreaseSize adds to it).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	TargetSize int32 `json:"targetSize"`

	// Policy is how the Group scales.
	// +optional
	Policy GroupPolicy `json:"policy,omitempty"`
}

// GroupStatus is what the operator observed of a Group.
type GroupStatus struct {
	// Size is the number of Nodes powered on.
	// +optional
	Size int32 `json:"size,omitempty"`

	// ReadyNodes lists the Nodes that are powered on and ready.
	// +listType=set
	// +optional
	ReadyNodes []string `json:"readyNodes,omitempty"`

	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions are the Group's conditions.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// RequestLog holds the IDs of the recent requests that wrote this
	// status, "<id>@<unix seconds>", oldest first, so that a request
	// retried after its answer was lost is not applied twice. The conflict
	// runtime writes it; it keeps at most 64 entries of the last 15
	// minutes.
	// +optional
	RequestLog []string `json:"requestLog,omitempty"`
}

// Group is a set of Nodes that the cluster autoscaler scales as one node
// group. A status write of a request (an autoscaler's call) records its
// ID in status.requestLog.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster
// +conflict:requestLog=Status.RequestLog
type Group struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   GroupSpec   `json:"spec,omitempty"`
	Status GroupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// GroupList is a list of Groups.
type GroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Group `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Group{}, &GroupList{})
}
