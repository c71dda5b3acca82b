// Package kubebuilder is a kubebuilder-style API package: markers in
// groupversion_info.go and in detached comment blocks.
// +kubebuilder:object:generate=true
// +groupName=batch.example.com
// +conflict:generate=true
package kubebuilder
