// Package kube holds the tests that need built-in kinds (ConfigMap,
// StatefulSet) next to custom resources, and so run on the full
// kube-apiserver that [harness.StartKube] starts in-process.
package kube
