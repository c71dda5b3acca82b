package kubebuilder

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/conflict-gen/conflict-gen/generator/testdata/apis/shared"
)

// JobTemplate is a list-map element keyed by name.
type JobTemplate struct {
	Name     string `json:"name"`
	Priority int32  `json:"priority"`
}

// Window is one value wherever it is used: a type-level marker.
// +conflict:merge=atomic
type Window struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// CronJobSpec is the desired state.
type CronJobSpec struct {
	Schedule string `json:"schedule"`
	Window   Window `json:"window"`
	// +listType=map
	// +listMapKey=name
	Jobs []JobTemplate `json:"jobs,omitempty"`
	// A recursive type from another package.
	Tree shared.Recursive `json:"tree"`
	// +conflict:merge=strict
	Suspend *bool `json:"suspend,omitempty"`
}

// CronJobStatus is the observed state.
type CronJobStatus struct {
	Active             int32              `json:"active,omitempty"`
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
	Tracking           `json:",inline"`
}

// Tracking is inlined into a status: the request log is promoted from it.
type Tracking struct {
	Requests []string `json:"requests,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status

// CronJob has its root markers in a detached comment block, and keeps the
// request IDs of its status writes in a field promoted from an inlined
// struct.
// +conflict:requestLog=Status.Requests
type CronJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CronJobSpec   `json:"spec,omitempty"`
	Status CronJobStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// CronJobList is a list, and gets no helpers.
type CronJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CronJob `json:"items"`
}

// SyncStatus is reached through a pointer.
type SyncStatus struct {
	LastSyncedGeneration int64 `json:"lastSyncedGeneration,omitempty"`
}

// ScheduleStatus names its observed generation differently.
type ScheduleStatus struct {
	Sync *SyncStatus `json:"sync,omitempty"`
	// Conditions are not metav1.Conditions, so there is no SetScheduleCondition.
	Conditions []string `json:"conditions,omitempty"`
}

// Schedule has no status subresource, and its observed generation is
// behind a pointer, named by a marker.
// +kubebuilder:object:root=true
// +conflict:observedGeneration=Status.Sync.LastSyncedGeneration
type Schedule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Status ScheduleStatus `json:"status,omitempty"`
}

// Config is a root type without ObjectMeta (a component config): not an
// object kind.
// +kubebuilder:object:root=true
type Config struct {
	metav1.TypeMeta `json:",inline"`
	Setting         string `json:"setting"`
}

// Ignored opts out.
// +kubebuilder:object:root=true
// +conflict:generate=false
type Ignored struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}

// Generic types are never kinds.
type Generic[T any] struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Value             T `json:"value"`
}

// unexported is not a kind either.
type unexported struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}
