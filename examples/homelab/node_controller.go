package homelab

import (
	"context"
	"errors"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	infra "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// ConditionReady is the Node and Group condition that says the object is
// as its spec asks.
const ConditionReady = "Ready"

// errSpecChanged aborts a status write when the spec changed after the
// reconciler acted on it: the status must describe what was done, and the
// next reconcile will act on the new spec.
var errSpecChanged = errors.New("the spec changed while reconciling")

// NodeReconciler powers machines on and off to match their Node's
// spec.desiredPowerState, and reports progress in the Node's status.
type NodeReconciler struct {
	// Client reads and writes Nodes; it may be a manager's cached client.
	Client client.Client
	// APIReader reads Nodes again after a conflict: mgr.GetAPIReader().
	APIReader client.Reader
	// Machines switches the machines.
	Machines Machines
	// Now returns the time; time.Now when nil.
	Now func() time.Time
}

// Reconcile brings one Node's machine to its desired power state.
func (r *NodeReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	node := &infrav1alpha1.Node{}
	if err := r.Client.Get(ctx, req.NamespacedName, node); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	desired := node.Spec.DesiredPowerState
	if !infra.NodeNeedsReconcile(node) && node.Status.PowerState == desired {
		return ctrl.Result{}, nil
	}
	acted := node.Generation
	powerErr := r.Machines.SetPower(ctx, node.Name, desired)

	err := infra.UpdateNodeStatusWithRetry(ctx, r.Client, node, func(n *infrav1alpha1.Node) error {
		if n.Generation != acted {
			return errSpecChanged
		}
		if powerErr != nil {
			n.Status.Progress = infrav1alpha1.ProgressFailed
			infra.SetNodeCondition(n, metav1.Condition{Type: ConditionReady, Status: metav1.ConditionFalse,
				Reason: "PowerFailed", Message: powerErr.Error()})
			return nil
		}
		if desired == infrav1alpha1.PowerStateOn && n.Status.PowerState != infrav1alpha1.PowerStateOn {
			n.Status.LastStartupTime = &metav1.Time{Time: r.now()}
		}
		n.Status.PowerState = desired
		n.Status.Progress = infrav1alpha1.ProgressReady
		infra.SetNodeCondition(n, metav1.Condition{Type: ConditionReady, Status: metav1.ConditionTrue,
			Reason: "PowerState" + titled(desired), Message: "the machine is " + string(desired)})
		infra.SetNodeObservedGeneration(n)
		return nil
	}, conflict.WithReader(r.APIReader))
	if errors.Is(err, errSpecChanged) {
		// The spec change is an event of its own: the Node is reconciled
		// again for it.
		return ctrl.Result{}, nil
	}
	if err == nil && powerErr != nil {
		err = powerErr // let the controller back off and try again
	}
	return ctrl.Result{}, err
}

// SetupWithManager registers the reconciler for Nodes.
func (r *NodeReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&infrav1alpha1.Node{}).Named("node").Complete(r)
}

func (r *NodeReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// titled is s with its first letter in upper case: "on" gives "On".
func titled(s infrav1alpha1.PowerState) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}
