package homelab

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
)

// nodeToGroup enqueues the Group a Node belongs to.
func nodeToGroup() handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
		n, ok := obj.(*infrav1alpha1.Node)
		if !ok || n.Spec.GroupRef == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: n.Spec.GroupRef}}}
	})
}
