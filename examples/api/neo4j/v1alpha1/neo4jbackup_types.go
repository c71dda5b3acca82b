package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Neo4jBackupSpec is a backup schedule of one cluster. The cluster
// reconciler owns it: it is created, updated and deleted with the
// cluster's spec.backup.
type Neo4jBackupSpec struct {
	// ClusterRef names the Neo4jEnterpriseCluster, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	ClusterRef string `json:"clusterRef"`

	// Schedule is a cron schedule.
	// +kubebuilder:validation:MinLength=1
	Schedule string `json:"schedule"`

	// Bucket is where backups go.
	// +optional
	Bucket string `json:"bucket,omitempty"`

	// RetentionDays is how long backups are kept.
	// +optional
	RetentionDays *int32 `json:"retentionDays,omitempty"`

	// Servers is how many servers the backup covers: the cluster's size
	// when the schedule was last written.
	// +kubebuilder:validation:Minimum=1
	Servers int32 `json:"servers"`
}

// Neo4jBackupStatus is what the backup agent observed.
type Neo4jBackupStatus struct {
	// LastBackupTime is when the last backup finished.
	// +optional
	// +conflict:merge=max
	LastBackupTime *metav1.Time `json:"lastBackupTime,omitempty"`

	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions are the backup's conditions.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Neo4jBackup schedules the backups of a Neo4jEnterpriseCluster; the
// cluster reconciler creates it as a child object.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
type Neo4jBackup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Neo4jBackupSpec   `json:"spec,omitempty"`
	Status Neo4jBackupStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// Neo4jBackupList is a list of Neo4jBackups.
type Neo4jBackupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Neo4jBackup `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Neo4jBackup{}, &Neo4jBackupList{})
}
