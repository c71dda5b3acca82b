// Package v1alpha1 holds the homelab autoscaler's infrastructure API: the
// physical Nodes it powers on and off and the Groups the cluster autoscaler
// scales.
// +kubebuilder:object:generate=true
// +groupName=infra.homelab-autoscaler.dev
// +conflict:generate=true
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is group version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "infra.homelab-autoscaler.dev", Version: "v1alpha1"}

	// SchemeBuilder is used to add go types to the GroupVersionKind scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
