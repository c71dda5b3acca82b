package atomictopology

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing holds bad list markers in a struct the merge takes whole, which
// only the server-side apply schema looks into.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec `json:"spec"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	Whole Whole `json:"whole"`
}

// Whole is taken whole by the merge.
// +structType=atomic
type Whole struct {
	// +listType=map
	NoKey []Item `json:"noKey"`

	// +listType=map
	// +listMapKey=id
	Keyed []Item `json:"keyed"`

	// +listType=bag
	Bag []Item `json:"bag"`
}

// Item is a list element.
type Item struct {
	Name string `json:"name"`
}
