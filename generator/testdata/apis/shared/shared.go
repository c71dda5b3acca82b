// Package shared holds types that another API package's kinds use.
package shared

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// CommonStatus is embedded inline by kinds of other packages.
type CommonStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
}

// Recursive refers to itself.
type Recursive struct {
	Name     string      `json:"name"`
	Children []Recursive `json:"children,omitempty"`
	Parent   *Recursive  `json:"parent,omitempty"`
}
