package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageSpec names the Neo4j image. Repository and tag change together:
// merging one writer's repository with another's tag would name an image
// nobody asked for.
// +structType=atomic
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
	// When two writers scale concurrently, the larger cluster wins.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	// +conflict:merge=max
	Servers int32 `json:"servers"`

	// MaxUnavailable is how many servers a rolling upgrade may take down at
	// once. When two writers change it concurrently, the safer (smaller)
	// value wins.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +conflict:merge=min
	MaxUnavailable int32 `json:"maxUnavailable,omitempty"`
}

// ServerPort is a port the servers listen on.
type ServerPort struct {
	// Name names the port.
	Name string `json:"name"`
	// Port is the port number.
	Port int32 `json:"port"`
	// Protocol is TCP or UDP.
	// +optional
	Protocol corev1.Protocol `json:"protocol,omitempty"`
	// Advertised is whether the port is advertised to clients.
	// +optional
	Advertised bool `json:"advertised,omitempty"`
}

// BackupSpec schedules backups.
type BackupSpec struct {
	// Schedule is a cron schedule.
	Schedule string `json:"schedule"`
	// Bucket is where backups go.
	// +optional
	Bucket string `json:"bucket,omitempty"`
	// RetentionDays is how long backups are kept.
	// +optional
	RetentionDays *int32 `json:"retentionDays,omitempty"`
}

// StorageSpec is each server's data volume.
type StorageSpec struct {
	// ClassName is the storage class of the volume.
	// +optional
	ClassName string `json:"className,omitempty"`
	// Size is the volume's size. Volumes only grow.
	// +conflict:merge=max
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
	// Plugins are the Neo4j plugins to install; writers add and remove
	// plugins independently.
	// +conflict:merge=union
	// +optional
	Plugins []string `json:"plugins,omitempty"`
	// Ports are the ports the servers listen on, by name and port.
	// +listType=map
	// +listMapKey=name
	// +listMapKey=port
	// +optional
	Ports []ServerPort `json:"ports,omitempty"`
	// Env is extra environment for the servers, by name, as Kubernetes
	// types declare it with patch tags.
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// NodeSelector places the servers; it is one value, replaced whole.
	// +mapType=atomic
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations are replaced whole (lists are atomic unless marked).
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Backup schedules backups; nil disables them.
	// +optional
	Backup *BackupSpec `json:"backup,omitempty"`
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
	// Endpoints are the cluster's client endpoints. The server's version
	// wins: a writer holding an older read must not put back old addresses.
	// +conflict:merge=theirs
	// +optional
	Endpoints EndpointsStatus `json:"endpoints,omitempty"`
	// Servers are the servers' own conditions, keyed by type.
	// +conflict:merge=conditions
	// +optional
	Servers []ServerCondition `json:"servers,omitempty"`
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are the cluster's conditions.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ServerCondition is a condition of the servers, in Neo4j's own shape.
type ServerCondition struct {
	// Type is the condition's type.
	Type string `json:"type"`
	// Status is True, False or Unknown.
	Status metav1.ConditionStatus `json:"status"`
	// LastTransitionTime is when Status last changed.
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`
	// Reason says why, in one word.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Server names the server that reported it.
	// +optional
	Server string `json:"server,omitempty"`
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
