package e2e

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The apply helpers of Node as the generator emits them, with the schema
// written out by hand.

const nodeApplySchema = `types:
- name: Node
  map:
    fields:
    - name: apiVersion
      type:
        scalar: string
    - name: kind
      type:
        scalar: string
    - name: metadata
      type:
        namedType: io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta
    - name: spec
      type:
        namedType: NodeSpec
    - name: status
      type:
        namedType: NodeStatus
- name: NodeSpec
  map:
    fields:
    - name: desiredPowerState
      type:
        scalar: string
    - name: groupRef
      type:
        scalar: string
    - name: kubernetesNodeName
      type:
        scalar: string
    - name: pricing
      type:
        scalar: numeric
    - name: startupPodSpec
      type:
        scalar: string
- name: NodeStatus
  map:
    fields:
    - name: powerState
      type:
        scalar: string
    - name: progress
      type:
        scalar: string
    - name: lastStartupTime
      type:
        scalar: string
    - name: count
      type:
        scalar: numeric
    - name: observedGeneration
      type:
        scalar: numeric
    - name: conditions
      type:
        list:
          elementType:
            namedType: io.k8s.apimachinery.pkg.apis.meta.v1.Condition
          elementRelationship: associative
          keys:
          - type
`

var nodeApplyKind = conflict.Kind{
	GroupKind:         schema.GroupKind{Group: "infra.homelab-autoscaler.dev", Kind: "Node"},
	StatusSubresource: true,
	Apply:             conflict.NewApplyType(nodeApplySchema, "Node"),
}

func applyNode(ctx context.Context, c client.Client, obj *infrav1alpha1.Node, mutate func(*infrav1alpha1.Node) error, opts ...conflict.Option) error {
	return conflict.Apply(ctx, c, nodeApplyKind, obj, mutate, opts...)
}

func applyNodeStatus(ctx context.Context, c client.Client, obj *infrav1alpha1.Node, mutate func(*infrav1alpha1.Node) error, opts ...conflict.Option) error {
	return conflict.ApplyStatus(ctx, c, nodeApplyKind, obj, mutate, opts...)
}
