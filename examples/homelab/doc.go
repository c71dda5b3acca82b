// Package homelab is the homelab autoscaler of the project's seed
// document, rebuilt on the helpers conflict-gen generates for its API
// (examples/api/infra/v1alpha1): a Node reconciler that powers machines on
// and off, a Group reconciler that keeps a Group at its target size, and
// the cluster autoscaler's NodeGroupIncreaseSize served over gRPC
// (providerpb; [NewGRPCServer]), exactly once per request ID.
//
// Every write goes through a generated helper, so none of them has a
// retry loop, a fresh-read dance or observedGeneration bookkeeping of its
// own, and concurrent writers (reconcilers, handlers, people with kubectl)
// neither lose nor double each other's changes.
package homelab
