// Package applyschema has a kind with every shape the server-side apply
// schema describes.
// +groupName=apply.example.com
// +versionName=v1
package applyschema

import (
	"github.com/conflict-gen/conflict-gen/generator/testdata/apis/shared"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Widget has every shape.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
type Widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   WidgetSpec   `json:"spec,omitempty"`
	Status WidgetStatus `json:"status,omitempty"`
}

// WidgetSpec is the spec.
type WidgetSpec struct {
	// Inline is flattened into the spec.
	Inline `json:",inline"`

	// +listType=map
	// +listMapKey=name
	// +listMapKey=protocol
	Ports []Port `json:"ports,omitempty"`
	// +listType=set
	Tags []string `json:"tags,omitempty"`
	// +listType=atomic
	Args []string `json:"args,omitempty"`
	// Unmarked lists are atomic, as in CRDs; the patch tags are not read
	// by controller-gen.
	Hosts []Port `json:"hosts,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// +mapType=atomic
	Selector map[string]string `json:"selector,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Limits   map[string]Limit  `json:"limits,omitempty"`
	// +structType=atomic
	Target  Target               `json:"target,omitempty"`
	Pinned  Pinned               `json:"pinned,omitempty"`
	Pointer *Target              `json:"pointer,omitempty"`
	Size    resource.Quantity    `json:"size,omitempty"`
	Port    intstr.IntOrString   `json:"port,omitempty"`
	Started metav1.Time          `json:"started,omitempty"`
	Every   metav1.Duration      `json:"every,omitempty"`
	Raw     runtime.RawExtension `json:"raw,omitempty"`
	// +kubebuilder:pruning:PreserveUnknownFields
	Loose Loose `json:"loose,omitempty"`
	// +kubebuilder:validation:XPreserveUnknownFields
	Looser Target   `json:"looser,omitempty"`
	Data   []byte   `json:"data,omitempty"`
	Grid   [2]int32 `json:"grid,omitempty"`
	// Template holds metadata that controller-gen describes as a free-form
	// object, and a pod spec whose lists keep their markers.
	Template corev1.PodTemplateSpec `json:"template,omitempty"`

	Ignored string `json:"-"`
}

// Forest holds a recursive type of another package, which a CRD cannot
// describe (its schema would be infinite) but a built-in type may hold.
// +kubebuilder:object:root=true
type Forest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Tree shared.Recursive `json:"tree,omitempty"`
}

// Inline is embedded inline.
type Inline struct {
	Replicas *int32 `json:"replicas,omitempty"`
}

// Port is a list map element.
type Port struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Number   int32  `json:"number,omitempty"`
}

// Limit is a map value.
type Limit struct {
	Max float64 `json:"max,omitempty"`
}

// Target is taken whole where a field says so.
type Target struct {
	Name string `json:"name,omitempty"`
}

// Pinned is taken whole wherever it is used.
// +structType=atomic
type Pinned struct {
	Version string `json:"version,omitempty"`
}

// Loose keeps unknown fields.
type Loose struct {
	Known string `json:"known,omitempty"`
	Inner Target `json:"inner,omitempty"`
}

// WidgetStatus is the status.
type WidgetStatus struct {
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Unmarked conditions are atomic to the API server, whatever the
	// merge does with them.
	Legacy []metav1.Condition `json:"legacy,omitempty"`
}
