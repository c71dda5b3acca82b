package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PowerState is whether a machine is powered.
// +kubebuilder:validation:Enum=on;off
type PowerState string

// The power states of a Node.
const (
	PowerStateOn  PowerState = "on"
	PowerStateOff PowerState = "off"
)

// Progress is where a Node is in a power transition.
// +kubebuilder:validation:Enum=ready;starting-up;shutting-down;failed
type Progress string

// The steps of a power transition.
const (
	ProgressReady        Progress = "ready"
	ProgressStartingUp   Progress = "starting-up"
	ProgressShuttingDown Progress = "shutting-down"
	ProgressFailed       Progress = "failed"
)

// NodeSpec is what the autoscaler wants of a machine.
type NodeSpec struct {
	// DesiredPowerState is the power state the autoscaler asked for. Two
	// writers that disagree about it must not silently override each other.
	// +conflict:merge=strict
	DesiredPowerState PowerState `json:"desiredPowerState"`

	// GroupRef names the Group the Node belongs to. A Node belongs to one
	// Group: two writers moving it to different Groups at once is a
	// conflict for a person to settle, not for the last writer to win.
	// +kubebuilder:validation:MinLength=1
	// +conflict:merge=strict
	GroupRef string `json:"groupRef"`

	// KubernetesNodeName is the name of the Kubernetes Node the machine
	// registers as.
	// +optional
	KubernetesNodeName string `json:"kubernetesNodeName,omitempty"`

	// Pricing is the machine's cost per hour, in cents; the autoscaler
	// prefers cheap machines.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Pricing int64 `json:"pricing,omitempty"`

	// StartupPodSpec and ShutdownPodSpec name the pods that power the
	// machine on and off.
	// +optional
	StartupPodSpec string `json:"startupPodSpec,omitempty"`
	// +optional
	ShutdownPodSpec string `json:"shutdownPodSpec,omitempty"`
}

// NodeStatus is what the operator observed of a machine.
type NodeStatus struct {
	// PowerState is the machine's power state as last observed.
	// +optional
	PowerState PowerState `json:"powerState,omitempty"`

	// Progress is where the machine is in a power transition.
	// +optional
	Progress Progress `json:"progress,omitempty"`

	// LastStartupTime is when the machine was last asked to start.
	// +optional
	// +conflict:merge=max
	LastStartupTime *metav1.Time `json:"lastStartupTime,omitempty"`

	// Count is incremented by every reconcile that observed a change; it
	// is the counter the contention tests drive.
	// +optional
	Count int64 `json:"count,omitempty"`

	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions are the Node's conditions: Ready, Progressing, Degraded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Node is a physical machine the autoscaler can power on and off.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:printcolumn:name="Desired",type=string,JSONPath=`.spec.desiredPowerState`
// +kubebuilder:printcolumn:name="Power",type=string,JSONPath=`.status.powerState`
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.progress`
type Node struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   NodeSpec   `json:"spec,omitempty"`
	Status NodeStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// NodeList is a list of Nodes.
type NodeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Node `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Node{}, &NodeList{})
}
