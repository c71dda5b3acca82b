// Package compat checks conflict-gen against API packages written by
// others, with their own marker and Go habits: cluster-api's core API
// (kubebuilder markers, v1beta2 conditions), k8s.io/api (client-gen
// markers, no root markers, +groupName= for the core group, GroupName
// constants), Gateway API, Flux's source and kustomize controllers (two
// APIs at .../api/v1, generated into one output directory) and Istio's
// networking API (kinds whose spec and status are protobuf messages, which
// must not be copied). The generated merges of some of these kinds are
// property-tested on random objects (testdata/property).
package compat

import (
	// The packages the test generates for; imported so that go.mod pins
	// their versions.
	_ "github.com/fluxcd/kustomize-controller/api/v1"
	_ "github.com/fluxcd/source-controller/api/v1"
	_ "istio.io/client-go/pkg/apis/networking/v1"
	_ "k8s.io/api/apps/v1"
	_ "k8s.io/api/batch/v1"
	_ "k8s.io/api/core/v1"
	_ "sigs.k8s.io/cluster-api/api/core/v1beta2"
	_ "sigs.k8s.io/gateway-api/apis/v1"
)
