package homelab

import (
	"context"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	infra "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// GroupReconciler keeps the number of Nodes a Group wants powered on at
// its spec.targetSize, by setting their spec.desiredPowerState, and
// reports the powered Nodes in the Group's status.
type GroupReconciler struct {
	// Client reads and writes Groups and Nodes.
	Client client.Client
	// APIReader reads objects again after a conflict: mgr.GetAPIReader().
	APIReader client.Reader
}

// Reconcile brings one Group to its target size.
func (r *GroupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	group := &infrav1alpha1.Group{}
	if err := r.Client.Get(ctx, req.NamespacedName, group); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	nodes := &infrav1alpha1.NodeList{}
	if err := r.Client.List(ctx, nodes); err != nil {
		return ctrl.Result{}, err
	}
	var members []*infrav1alpha1.Node
	for i := range nodes.Items {
		if nodes.Items[i].Spec.GroupRef == group.Name {
			members = append(members, &nodes.Items[i])
		}
	}
	if err := r.scale(ctx, group, members); err != nil {
		return ctrl.Result{}, err
	}

	var ready []string
	for _, n := range members {
		if n.Status.PowerState == infrav1alpha1.PowerStateOn {
			ready = append(ready, n.Name)
		}
	}
	slices.Sort(ready)
	acted := group.Generation
	return ctrl.Result{}, infra.UpdateGroupStatusWithRetry(ctx, r.Client, group, func(g *infrav1alpha1.Group) error {
		g.Status.Size = int32(len(ready))
		g.Status.ReadyNodes = ready
		cond := metav1.Condition{Type: ConditionReady, Status: metav1.ConditionTrue, Reason: "AtTargetSize",
			Message: fmt.Sprintf("%d of %d nodes powered on", len(ready), g.Spec.TargetSize)}
		if int32(len(ready)) != g.Spec.TargetSize {
			cond.Status, cond.Reason = metav1.ConditionFalse, "Scaling"
		}
		infra.SetGroupCondition(g, cond)
		if g.Generation == acted {
			infra.SetGroupObservedGeneration(g)
		}
		return nil
	}, conflict.WithReader(r.APIReader))
}

// scale asks Nodes to power on or off so that targetSize of them want to
// be on, cheapest first on and, by default, cheapest last off.
func (r *GroupReconciler) scale(ctx context.Context, group *infrav1alpha1.Group, members []*infrav1alpha1.Node) error {
	var on, off []*infrav1alpha1.Node
	for _, n := range members {
		if n.Spec.DesiredPowerState == infrav1alpha1.PowerStateOn {
			on = append(on, n)
		} else {
			off = append(off, n)
		}
	}
	byPrice := func(a, b *infrav1alpha1.Node) int {
		if c := a.Spec.Pricing - b.Spec.Pricing; c != 0 {
			return int(c)
		}
		return strings.Compare(a.Name, b.Name)
	}
	target := int(group.Spec.TargetSize)
	switch {
	case len(on) < target:
		slices.SortFunc(off, byPrice)
		for _, n := range off[:min(target-len(on), len(off))] {
			if err := r.setDesired(ctx, n, group.Name, infrav1alpha1.PowerStateOn); err != nil {
				return err
			}
		}
	case len(on) > target:
		slices.SortFunc(on, byPrice)
		slices.Reverse(on) // the most expensive go first
		for _, n := range on[:len(on)-target] {
			if err := r.setDesired(ctx, n, group.Name, infrav1alpha1.PowerStateOff); err != nil {
				return err
			}
		}
	}
	return nil
}

// setDesired sets a Node's desired power state, unless it left the Group
// in the meantime.
func (r *GroupReconciler) setDesired(ctx context.Context, n *infrav1alpha1.Node, group string, state infrav1alpha1.PowerState) error {
	return infra.UpdateNodeWithRetry(ctx, r.Client, n, func(n *infrav1alpha1.Node) error {
		if n.Spec.GroupRef == group {
			n.Spec.DesiredPowerState = state
		}
		return nil
	}, conflict.WithReader(r.APIReader))
}

// SetupWithManager registers the reconciler for Groups, and for Nodes of
// a Group.
func (r *GroupReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&infrav1alpha1.Group{}).Named("group").
		Watches(&infrav1alpha1.Node{}, nodeToGroup()).
		Complete(r)
}
