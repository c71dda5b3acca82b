// Package harness runs a real Kubernetes API server for the tests, the demo
// and the benchmarks: an embedded etcd and the apiextensions-apiserver (the
// part of every kube-apiserver that serves CRDs and custom resources), both
// in-process, built from Go modules. It installs the CRDs that
// controller-gen generated for examples/api and hands out
// controller-runtime clients that work against that server.
//
// The embedded server is real where it matters for conflict handling: 409
// Conflict on a stale resourceVersion, metadata.generation bumped by spec
// changes only, the /status subresource, schema validation, pruning and
// server-side apply. It serves /apis but not the legacy /api, so clients get
// a static RESTMapper built from the installed CRDs instead of discovery.
//
// When KUBEBUILDER_ASSETS points at envtest's binaries, [Start] uses
// controller-runtime's envtest (a real kube-apiserver and etcd) instead.
package harness
