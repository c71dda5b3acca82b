package conflict_test

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// The helpers a generator would emit for Widget. This file is the only one
// of the tests that depends on the signatures of the runtime's entry
// points.

// widgetKind is Widget as the generator describes it: a status
// subresource. plainWidgetKind is the same type served without one.
// loggedWidgetKind is widgetKind marked
// +conflict:requestLog=Status.RequestLog.
var (
	widgetKind       = conflict.Kind{GroupKind: widgetGK, StatusSubresource: true}
	plainWidgetKind  = conflict.Kind{GroupKind: widgetGK}
	loggedWidgetKind = conflict.Kind{GroupKind: widgetGK, StatusSubresource: true, StatusRequestLog: widgetRequestLog}
)

// widgetRequestLog is the accessor the generator emits for the marker.
func widgetRequestLog(obj client.Object) *[]string { return &obj.(*Widget).Status.RequestLog }

func updateWidget(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) error {
	return conflict.Update(ctx, c, widgetKind, obj, mutate, opts...)
}

func updateWidgetStatus(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) error {
	return conflict.UpdateStatus(ctx, c, widgetKind, obj, mutate, opts...)
}

func createOrUpdateWidget(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) (controllerutil.OperationResult, error) {
	return conflict.CreateOrUpdate(ctx, c, widgetKind, obj, mutate, opts...)
}

func updateWidgetFrom(ctx context.Context, c client.Client, original, modified *Widget, opts ...conflict.Option) error {
	return conflict.UpdateFrom(ctx, c, widgetKind, original, modified, mergeWidget, opts...)
}

func updateWidgetStatusFrom(ctx context.Context, c client.Client, original, modified *Widget, opts ...conflict.Option) error {
	return conflict.UpdateStatusFrom(ctx, c, widgetKind, original, modified, mergeWidget, opts...)
}

// updatePlainWidget is updateWidget for a kind served without a status
// subresource.
func updatePlainWidget(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) error {
	return conflict.Update(ctx, c, plainWidgetKind, obj, mutate, opts...)
}

// updateLoggedWidgetStatus and updateLoggedWidgetStatusFrom are the status
// helpers of loggedWidgetKind.
func updateLoggedWidgetStatus(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) error {
	return conflict.UpdateStatus(ctx, c, loggedWidgetKind, obj, mutate, opts...)
}

func updateLoggedWidgetStatusFrom(ctx context.Context, c client.Client, original, modified *Widget, opts ...conflict.Option) error {
	return conflict.UpdateStatusFrom(ctx, c, loggedWidgetKind, original, modified, mergeWidget, opts...)
}

// updateLoggedWidgetStatusMerged is updateLoggedWidgetStatusFrom with
// another merge.
func updateLoggedWidgetStatusMerged(ctx context.Context, c client.Client, original, modified *Widget, merge conflict.Merge3[*Widget], opts ...conflict.Option) error {
	return conflict.UpdateStatusFrom(ctx, c, loggedWidgetKind, original, modified, merge, opts...)
}

// updateLoggedWidget is the main-resource helper of loggedWidgetKind.
func updateLoggedWidget(ctx context.Context, c client.Client, obj *Widget, mutate func(*Widget) error, opts ...conflict.Option) error {
	return conflict.Update(ctx, c, loggedWidgetKind, obj, mutate, opts...)
}
