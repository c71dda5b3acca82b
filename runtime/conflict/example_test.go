package conflict_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/conflict-gen/conflict-gen/runtime/conflict"
)

// exampleClient is a fake API server holding one Widget, "ns/w", served
// with a status subresource.
func exampleClient() client.Client {
	return fake.NewClientBuilder().WithScheme(newScheme()).WithStatusSubresource(&Widget{}).
		WithObjects(&Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "w"}, Spec: WidgetSpec{Size: 1}}).
		Build()
}

// The generated UpdateWidgetWithRetry calls Update with the kind. An obj
// that only names the object is read first; on success it holds the
// server's answer.
func ExampleUpdate() {
	c := exampleClient()
	w := &Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "w"}}
	err := conflict.Update(context.Background(), c, widgetKind, w, func(w *Widget) error {
		w.Spec.Size++
		return nil
	})
	fmt.Println(err, w.Spec.Size)
	// Output: <nil> 2
}

// UpdateStatus writes the status only; a mutate that changes anything
// else is refused, since the API server would drop it.
func ExampleUpdateStatus() {
	c := exampleClient()
	w := &Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "w"}}
	err := conflict.UpdateStatus(context.Background(), c, widgetKind, w, func(w *Widget) error {
		w.Status.Ready = true
		return nil
	})
	fmt.Println(err, w.Status.Ready)

	err = conflict.UpdateStatus(context.Background(), c, widgetKind, w, func(w *Widget) error {
		w.Spec.Size = 9
		return nil
	})
	var sub *conflict.SubresourceError
	fmt.Println(errors.As(err, &sub), sub.Fields, sub.Use)
	// Output:
	// <nil> true
	// true [spec] UpdateWidgetWithRetry
}

// CreateOrUpdate creates the object with mutate applied when it does not
// exist, and updates it otherwise; the result says which write was stored.
func ExampleCreateOrUpdate() {
	c := exampleClient()
	for range 3 {
		w := &Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "other"}}
		result, err := conflict.CreateOrUpdate(context.Background(), c, widgetKind, w, func(w *Widget) error {
			w.Spec.Owner = "me"
			w.Spec.Size = 3
			return nil
		})
		fmt.Println(result, err)
	}
	// Output:
	// created <nil>
	// unchanged <nil>
	// unchanged <nil>
}

// UpdateFrom writes an edited copy of what the caller read; when another
// writer got there first, the generated MergeX merges both changes.
func ExampleUpdateFrom() {
	c := exampleClient()
	ctx := context.Background()
	original := &Widget{}
	_ = c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "w"}, original)

	// Another writer changes the owner meanwhile.
	other := original.DeepCopy()
	other.Spec.Owner = "them"
	_ = c.Update(ctx, other)

	modified := original.DeepCopy()
	modified.Spec.Size = 5
	err := conflict.UpdateFrom(ctx, c, widgetKind, original, modified, mergeWidget)
	fmt.Println(err, modified.Spec.Size, modified.Spec.Owner)
	// Output: <nil> 5 them
}

// Options tune one call: where to read after a conflict (the manager's
// API reader rather than its cache), how long to retry, combining, and
// where to record metrics (nil: nowhere).
func ExampleOption() {
	c := exampleClient()
	w := &Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "w"}}
	err := conflict.Update(context.Background(), c, widgetKind, w, func(w *Widget) error {
		w.Spec.Tags = append(w.Spec.Tags, "blue")
		return nil
	},
		conflict.WithReader(c), // mgr.GetAPIReader() in a manager
		conflict.WithBudget(5*time.Second),
		conflict.WithCombining(false),
		conflict.WithFieldOwner("widget-controller"),
		conflict.WithMetrics(nil),
	)
	fmt.Println(err, w.Spec.Tags)

	// Errors other than conflicts come back at once, as the API's.
	missing := &Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "missing"}}
	err = conflict.Update(context.Background(), c, widgetKind, missing, func(w *Widget) error { return nil })
	fmt.Println(apierrors.IsNotFound(err))
	// Output:
	// <nil> [blue]
	// true
}
