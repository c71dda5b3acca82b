package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conflict-gen/conflict-gen/test/harness"
)

// TestLostAnswers runs the demo's second scenario on the real API server
// and holds it to what the README says of its table: with request IDs,
// every request is applied exactly once with one server, across a restart
// and with two replicas; the seed's in-memory deduplication drops
// legitimate requests identical in group and delta within its minute, and
// applies requests whose answer was lost twice once it forgets them (a new
// minute, a restart, another replica).
func TestLostAnswers(t *testing.T) {
	env, err := harness.Start()
	require.NoError(t, err)
	t.Cleanup(env.Stop)

	rows, err := runLostAnswers(context.Background(), env, defaultLostAnswers)
	require.NoError(t, err)
	require.Len(t, rows, len(approaches)*len(deployments))
	for _, r := range rows {
		t.Logf("%+v", r)
	}

	seed, ids := rows[:len(deployments)], rows[len(deployments):]
	for _, r := range ids {
		assert.Positive(t, r.LostAnswers, "%s, %s: answers of stored writes were lost", r.Approach, r.Deployment)
		assert.Equal(t, r.Requested, r.Applied, "%s, %s: each request applied once", r.Approach, r.Deployment)
		assert.Zero(t, r.Duplicates, "%s, %s: duplicates applied", r.Approach, r.Deployment)
		assert.Zero(t, r.Dropped, "%s, %s: legitimate requests dropped", r.Approach, r.Deployment)
	}
	duplicates := 0
	for _, r := range seed {
		assert.Positive(t, r.Dropped, "%s, %s: legitimate requests in one minute dropped", r.Approach, r.Deployment)
		duplicates += r.Duplicates
	}
	assert.Positive(t, duplicates, "the seed applied retried requests again")
}
