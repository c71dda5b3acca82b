// +k8s:deepcopy-gen=package
// +groupName=apps.example.com

// Package clientgen is a client-gen style API package: kinds are found by
// structure, without root markers.
package clientgen
