package requestlog

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Missing names a field that does not exist.
// +kubebuilder:subresource:status
// +conflict:requestLog=Status.Requests
type Missing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec   `json:"spec"`
	Status            ThingStatus `json:"status"`
}

// InSpec names a field that a status write does not store.
// +kubebuilder:subresource:status
// +conflict:requestLog=Spec.Log
type InSpec struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec   `json:"spec"`
	Status            ThingStatus `json:"status"`
}

// WrongType names a field that is not a []string.
// +kubebuilder:subresource:status
// +conflict:requestLog=Status.Count
type WrongType struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// NamedList names a list of another type than []string.
// +kubebuilder:subresource:status
// +conflict:requestLog=Status.Named
type NamedList struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// NoSubresource has no status subresource.
// +conflict:requestLog=Status.Log
type NoSubresource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// Twice gives the marker twice.
// +kubebuilder:subresource:status
// +conflict:requestLog=Status.Log
// +conflict:requestLog=Status.Log
type Twice struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// Hidden names a field the API server would never see.
// +kubebuilder:subresource:status
// +conflict:requestLog=Status.Hidden
type Hidden struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// Behind names a field behind a pointer.
// +kubebuilder:subresource:status
// +conflict:requestLog=Status.Extra.Log
type Behind struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// Dotted ends its path with a dot.
// +kubebuilder:subresource:status
// +conflict:requestLog=Status.
type Dotted struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Status            ThingStatus `json:"status"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	Log []string `json:"log,omitempty"`
}

// Names is a named list.
type Names []string

// Extra is reached through a pointer.
type Extra struct {
	Log []string `json:"log,omitempty"`
}

// ThingStatus is the status; the marker does not go on it.
// +conflict:requestLog=Log
type ThingStatus struct {
	Count  int32    `json:"count"`
	Log    []string `json:"log,omitempty"`
	Named  Names    `json:"named,omitempty"`
	Hidden []string `json:"-"`
	Extra  *Extra   `json:"extra,omitempty"`
}
