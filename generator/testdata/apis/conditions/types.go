// Package conditions holds kinds whose conditions are not metav1.Condition
// but have its shape, as other projects define them, and two shapes that
// get no SetXCondition.
// +kubebuilder:object:generate=true
// +groupName=conditions.example.com
package conditions

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterCondition is cluster-api v1beta1's shape: a severity, no
// observed generation, and a named list type.
type ClusterCondition struct {
	Type               string                 `json:"type"`
	Status             corev1.ConditionStatus `json:"status"`
	Severity           string                 `json:"severity,omitempty"`
	LastTransitionTime metav1.Time            `json:"lastTransitionTime,omitempty"`
	Reason             string                 `json:"reason,omitempty"`
	Message            string                 `json:"message,omitempty"`
}

// ClusterConditions is a list of them.
type ClusterConditions []ClusterCondition

// ClusterStatus is the observed state.
type ClusterStatus struct {
	Conditions ClusterConditions `json:"conditions,omitempty"`
}

// Cluster has cluster-api v1beta1 style conditions.
// +kubebuilder:object:root=true
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Status ClusterStatus `json:"status,omitempty"`
}

// ManagedCondition is Crossplane's shape: typed reason and an observed
// generation.
type ManagedCondition struct {
	Type               string                 `json:"type"`
	Status             corev1.ConditionStatus `json:"status"`
	LastTransitionTime metav1.Time            `json:"lastTransitionTime"`
	Reason             ConditionReason        `json:"reason"`
	Message            string                 `json:"message,omitempty"`
	ObservedGeneration int64                  `json:"observedGeneration,omitempty"`
}

// ConditionReason is a typed reason.
type ConditionReason string

// ConditionedStatus is embedded inline, as Crossplane embeds it.
type ConditionedStatus struct {
	Conditions []ManagedCondition `json:"conditions,omitempty"`
}

// BucketStatus is the observed state.
type BucketStatus struct {
	ConditionedStatus `json:",inline"`
}

// Bucket has Crossplane style conditions.
// +kubebuilder:object:root=true
type Bucket struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Status BucketStatus `json:"status,omitempty"`
}

// RolloutCondition is apps/v1's DeploymentCondition shape: two times.
type RolloutCondition struct {
	Type               string                 `json:"type"`
	Status             corev1.ConditionStatus `json:"status"`
	LastUpdateTime     metav1.Time            `json:"lastUpdateTime,omitempty"`
	LastTransitionTime metav1.Time            `json:"lastTransitionTime,omitempty"`
	Reason             string                 `json:"reason,omitempty"`
	Message            string                 `json:"message,omitempty"`
}

// RolloutStatus is the observed state.
type RolloutStatus struct {
	Conditions []RolloutCondition `json:"conditions,omitempty"`
}

// Rollout has apps/v1 style conditions.
// +kubebuilder:object:root=true
type Rollout struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Status RolloutStatus `json:"status,omitempty"`
}

// VolatileTime is Knative's time, whose equality ignores it.
type VolatileTime struct {
	Inner metav1.Time `json:",inline"`
}

// ServiceCondition is Knative's shape: its time is not a metav1.Time.
type ServiceCondition struct {
	Type               string                 `json:"type"`
	Status             corev1.ConditionStatus `json:"status"`
	LastTransitionTime VolatileTime           `json:"lastTransitionTime,omitempty"`
	Reason             string                 `json:"reason,omitempty"`
	Message            string                 `json:"message,omitempty"`
}

// ServiceStatus is the observed state.
type ServiceStatus struct {
	Conditions []ServiceCondition `json:"conditions,omitempty"`
}

// Service gets no SetServiceCondition.
// +kubebuilder:object:root=true
type Service struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Status ServiceStatus `json:"status,omitempty"`
}

// JobCondition has its time behind a pointer.
type JobCondition struct {
	Type               string                 `json:"type"`
	Status             corev1.ConditionStatus `json:"status"`
	LastTransitionTime *metav1.Time           `json:"lastTransitionTime,omitempty"`
	Reason             string                 `json:"reason,omitempty"`
	Message            string                 `json:"message,omitempty"`
}

// JobStatus is the observed state.
type JobStatus struct {
	Conditions []JobCondition `json:"conditions,omitempty"`
}

// Job gets no SetJobCondition.
// +kubebuilder:object:root=true
type Job struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Status JobStatus `json:"status,omitempty"`
}
