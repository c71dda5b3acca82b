package main

import (
	"context"
	"errors"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab"
	infra "github.com/conflict-gen/conflict-gen/examples/zz_generated/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// errSizeTooLarge is the precondition of homelab.Provider's increase.
var errSizeTooLarge = errors.New("size increase too large")

// sendWithRequestID is how a client's request, with its request ID,
// reaches the generated handler: homelab.Provider.NodeGroupIncreaseSize's
// change and precondition, with the ID passed to the helper as
// conflict.WithRequestID, as a server interceptor would pass it on. It is
// the one place to change when the Provider takes the ID from its
// context.
func sendWithRequestID(ctx context.Context, c client.Client, req *homelab.NodeGroupIncreaseSizeRequest, id string) error {
	group := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: req.Id}}
	return infra.UpdateGroupWithRetry(ctx, c, group, func(g *infrav1alpha1.Group) error {
		if g.Spec.TargetSize+req.Delta > g.Spec.MaxSize {
			return errSizeTooLarge
		}
		g.Spec.TargetSize += req.Delta
		return nil
	}, conflict.WithReader(c), conflict.WithRequestID(id))
}
