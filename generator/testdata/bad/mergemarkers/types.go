package mergemarkers

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing has every kind of misplaced merge marker.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ThingSpec `json:"spec"`
}

// Inner is a struct.
type Inner struct {
	Value string `json:"value"`
}

// Item is a list element.
type Item struct {
	Name  string            `json:"name"`
	Attrs map[string]string `json:"attrs"`
}

// ThingSpec is the spec.
type ThingSpec struct {
	// +conflict:merge=max
	Inner Inner `json:"inner"`

	// +conflict:merge=union
	Items []Item `json:"items"`

	// +listType=map
	// +listMapKey=id
	Keyed []Item `json:"keyed"`

	// +conflict:merge=ours
	// +conflict:merge=theirs
	Twice string `json:"twice"`

	// +listType=map
	// +listMapKey=attrs
	BadKey []Item `json:"badKey"`

	// +listType=set
	NotComparable []Item `json:"notComparable"`

	// +listType=map
	NoKey []Item `json:"noKey"`

	// +conflict:merge=min
	Flag map[string]string `json:"flag"`
}
