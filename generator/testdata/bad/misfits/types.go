package misfits

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing has topology markers that do not fit the field's type.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec `json:"spec"`
}

// Item is a list-map element.
type Item struct {
	Name string `json:"name"`
	Port int32  `json:"port"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	// +listType=map
	// +listMapKey=name
	Name string `json:"name"`

	// +listType=set
	Labels map[string]string `json:"labels,omitempty"`

	// +listType=atomic
	Item Item `json:"item"`

	// +listMapKey=name
	Pointer *Item `json:"pointer,omitempty"`

	// +mapType=atomic
	Items []Item `json:"items,omitempty"`

	// +structType=atomic
	Count int32 `json:"count"`

	// +listType=set
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// +listType=map
	// +listMapKey=name
	Ports []Item `json:"ports,omitempty" patchStrategy:"merge" patchMergeKey:"port"`

	// +listType=set
	// +listType=map
	// +listMapKey=name
	Twice []Item `json:"twice,omitempty"`

	// Fits: a pointer to a struct is a struct to the API server.
	// +structType=atomic
	Atomic *Item `json:"atomic,omitempty"`

	// Fits: a composite key that holds the patch merge key.
	// +listType=map
	// +listMapKey=name
	// +listMapKey=port
	Both []Item `json:"both,omitempty" patchStrategy:"merge" patchMergeKey:"port"`
}
