// Package harness runs a real Kubernetes API server for the tests, the demo
// and the benchmarks, in-process and built from Go modules, installs the
// CRDs that controller-gen generated for the examples and hands out
// controller-runtime clients that work against that server. There are two:
//
//   - [Start]: an embedded etcd and the apiextensions-apiserver (the part of
//     every kube-apiserver that serves CRDs and custom resources). It starts
//     in about a second and is what the tests of the generated helpers use.
//     It is real where it matters for conflict handling: 409 Conflict on a
//     stale resourceVersion, metadata.generation bumped by spec changes
//     only, the /status subresource, schema validation, pruning and
//     server-side apply. It serves /apis but not the legacy /api, so its
//     clients get a static RESTMapper built from the installed CRDs.
//   - [StartKube]: an embedded etcd and the full kube-apiserver of
//     k8s.io/kubernetes, for tests that need built-in kinds (a ConfigMap a
//     reconciler owns, a StatefulSet's immutable fields) with their real
//     validation and admission. Its clients map kinds through discovery.
//
// When KUBEBUILDER_ASSETS points at envtest's binaries, both use
// controller-runtime's envtest (a real kube-apiserver and etcd) instead.
package harness
