package conflict

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestErrorUnwrapsToTheAPIErrorAndTheContext(t *testing.T) {
	apiErr := apierrors.NewConflict(schema.GroupResource{Group: "g", Resource: "nodes"}, "n1", errors.New("modified"))
	exhausted := &Error{Kind: schema.GroupKind{Group: "g", Kind: "Node"}, Key: client.ObjectKey{Name: "n1"},
		Operation: OperationUpdate, Attempts: 7, ResourceVersion: "42", Err: apiErr}
	assert.True(t, apierrors.IsConflict(exhausted))
	assert.ErrorIs(t, exhausted, apiErr)
	assert.NotErrorIs(t, exhausted, context.Canceled)
	assert.Equal(t, `update Node.g n1: retries exhausted after 7 attempts (last resourceVersion "42"): `+apiErr.Error(), exhausted.Error())

	cancelled := *exhausted
	cancelled.Cause = context.Canceled
	assert.True(t, apierrors.IsConflict(&cancelled))
	assert.ErrorIs(t, &cancelled, context.Canceled)
	assert.Contains(t, cancelled.Error(), "context canceled after 7 attempts")
}
