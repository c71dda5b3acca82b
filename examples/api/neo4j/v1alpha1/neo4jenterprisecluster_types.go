package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageSpec names the Neo4j image.
type ImageSpec struct {
	// Repo is the image repository.
	// +kubebuilder:default=neo4j
	// +optional
	Repo string `json:"repo,omitempty"`
	// Tag is the image tag.
	// +kubebuilder:validation:MinLength=1
	Tag string `json:"tag"`
	// PullPolicy is the image pull policy.
	// +optional
	PullPolicy corev1.PullPolicy `json:"pullPolicy,omitempty"`
}

// TopologySpec is how many servers the cluster runs.
type TopologySpec struct {
	// Servers is the number of Neo4j servers (one StatefulSet replica each).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	Servers int32 `json:"servers"`
}

// StorageSpec is each server's data volume.
type StorageSpec struct {
	// ClassName is the storage class of the volume.
	// +optional
	ClassName string `json:"className,omitempty"`
	// Size is the volume's size.
	Size resource.Quantity `json:"size"`
}

// Neo4jEnterpriseClusterSpec is the cluster the user wants.
type Neo4jEnterpriseClusterSpec struct {
	// Image is the Neo4j image.
	Image ImageSpec `json:"image"`
	// Topology is how many servers to run.
	Topology TopologySpec `json:"topology"`
	// Storage is each server's data volume.
	Storage StorageSpec `json:"storage"`
	// Resources are each server's compute resources.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// Config holds extra neo4j.conf settings.
	// +optional
	Config map[string]string `json:"config,omitempty"`
}

// ClusterPhase is the cluster's overall state.
// +kubebuilder:validation:Enum=Pending;Forming;Ready;Failed
type ClusterPhase string

// The phases of a cluster.
const (
	ClusterPhasePending ClusterPhase = "Pending"
	ClusterPhaseForming ClusterPhase = "Forming"
	ClusterPhaseReady   ClusterPhase = "Ready"
	ClusterPhaseFailed  ClusterPhase = "Failed"
)

// Neo4jEnterpriseClusterStatus is what the operator observed.
type Neo4jEnterpriseClusterStatus struct {
	// Phase is the cluster's overall state.
	// +optional
	Phase ClusterPhase `json:"phase,omitempty"`
	// ReadyServers is the number of servers that joined the cluster.
	// +optional
	ReadyServers int32 `json:"readyServers,omitempty"`
	// Endpoints are the cluster's client endpoints.
	// +optional
	Endpoints EndpointsStatus `json:"endpoints,omitempty"`
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are the cluster's conditions.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// EndpointsStatus are the addresses clients connect to.
type EndpointsStatus struct {
	// Bolt is the bolt:// address.
	// +optional
	Bolt string `json:"bolt,omitempty"`
	// HTTP is the browser's address.
	// +optional
	HTTP string `json:"http,omitempty"`
}

// Neo4jEnterpriseCluster is a Neo4j enterprise cluster.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=neo4jcluster
type Neo4jEnterpriseCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Neo4jEnterpriseClusterSpec   `json:"spec,omitempty"`
	Status Neo4jEnterpriseClusterStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// Neo4jEnterpriseClusterList is a list of Neo4jEnterpriseClusters.
type Neo4jEnterpriseClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Neo4jEnterpriseCluster `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Neo4jEnterpriseCluster{}, &Neo4jEnterpriseClusterList{})
}
