// Package merging holds kinds whose merges are tested in a scratch module
// (TestGeneratedIntoTheAPIPackageCompiles): metadata embedded in a spec,
// and list maps keyed by several fields.
// +kubebuilder:object:generate=true
// +groupName=merging.example.com
package merging

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Release is a kind whose spec holds a template with its own metadata,
// as a Deployment's does.
// +kubebuilder:object:root=true
type Release struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ReleaseSpec `json:"spec,omitempty"`
}

// ReleaseSpec is the desired state.
type ReleaseSpec struct {
	Template PodTemplate `json:"template"`

	// Routes are keyed by two strings, whose values may hold any
	// character.
	// +listType=map
	// +listMapKey=host
	// +listMapKey=path
	Routes []Route `json:"routes,omitempty"`

	// Shadows are keyed by name, promoted from Base, which Shadow's own
	// Name field (displayName) hides from Go's selector.
	// +listType=map
	// +listMapKey=name
	Shadows []Shadow `json:"shadows,omitempty"`
}

// PodTemplate has metadata that is user data: nothing in it is managed by
// the server.
type PodTemplate struct {
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Image string `json:"image"`
}

// Route is a list-map element keyed by host and path.
type Route struct {
	Host    string `json:"host"`
	Path    string `json:"path"`
	Backend string `json:"backend"`
}

// Base holds the key of a Shadow.
type Base struct {
	Name string `json:"name"`
}

// Shadow's Name hides Base.Name from e.Name, not from JSON.
type Shadow struct {
	Base  `json:",inline"`
	Name  string `json:"displayName"`
	Value string `json:"value"`
}

// Good is a kind whose spec may hold another Good: the nested one's
// metadata is user data, as a template's is.
// +kubebuilder:object:root=true
type Good struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec GoodSpec `json:"spec,omitempty"`
}

// GoodSpec is the desired state.
type GoodSpec struct {
	Self *Good `json:"self,omitempty"`
}
