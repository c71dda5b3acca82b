package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// TestTally: the table's counts follow from what was stored, and a count
// that does not add up to what the Groups hold is an error, not a row.
func TestTally(t *testing.T) {
	scheme, err := harness.Scheme()
	require.NoError(t, err)
	group := func(size int32, log string) *infrav1alpha1.Group {
		g := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: "g"}, Spec: infrav1alpha1.GroupSpec{TargetSize: size}}
		if log != "" {
			g.Annotations = map[string]string{conflict.RequestLogAnnotation: log}
		}
		return g
	}
	requests := [][]request{{{id: "A"}, {id: "B"}}, {{id: "C"}, {id: "D"}}}
	stored := func(tag string) harness.Write {
		return harness.Write{Method: http.MethodPut, Status: http.StatusOK, Tag: tag}
	}
	writes := []harness.Write{
		stored(sendTag("A", 3)), // its answer lost
		{Method: http.MethodPut, Status: http.StatusConflict, Tag: sendTag("A", 3)},
		stored(sendTag("A", 3)), // applied again within the minute
		stored(sendTag("B", 3)),
		stored(sendTag("B", 4)), // applied again in the next minute
		stored(sendTag("C", 4)),
		{Method: http.MethodPost, Status: http.StatusCreated}, // untagged: not a request's
	}
	applied, err := countStoredWrites(context.Background(), nil, nil, writes)
	require.NoError(t, err)

	ctx := context.Background()
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(group(5, "")).Build()
	var row lostAnswersRow
	require.NoError(t, tally(ctx, c, []string{"g"}, requests, applied, &row))
	assert.Equal(t, lostAnswersRow{Requested: 4, Applied: 5, Duplicates: 2, SameMinute: 1, Dropped: 1}, row)

	c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(group(6, "")).Build()
	assert.ErrorContains(t, tally(ctx, c, []string{"g"}, requests, applied, &lostAnswersRow{}),
		"the Groups hold 6 increments but 5 applications were counted")

	applied["E"] = []int64{unknownMinute}
	c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(group(6, "")).Build()
	assert.ErrorContains(t, tally(ctx, c, []string{"g"}, requests, applied, &lostAnswersRow{}), "a request nobody sent")

	// From the request log: one entry per application; a full log may have
	// dropped some, so it is refused.
	c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(group(4, "A@100 B@100 A@101 D@102")).Build()
	applied, err = countRequestLog(ctx, c, []string{"g"}, nil)
	require.NoError(t, err)
	row = lostAnswersRow{}
	require.NoError(t, tally(ctx, c, []string{"g"}, requests, applied, &row))
	assert.Equal(t, lostAnswersRow{Requested: 4, Applied: 4, Duplicates: 1, Dropped: 1}, row)

	full := ""
	for range conflict.RequestLogSize {
		full += "X@100 "
	}
	c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(group(conflict.RequestLogSize, full)).Build()
	_, err = countRequestLog(ctx, c, []string{"g"}, nil)
	assert.ErrorContains(t, err, "the request log is full")
}
