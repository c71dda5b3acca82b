package conflict

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 10 * time.Millisecond, Factor: 2, Jitter: 0.5, Cap: 50 * time.Millisecond}
	// random = 0: no jitter taken off.
	assert.Equal(t, 10*time.Millisecond, b.Delay(1, 0))
	assert.Equal(t, 20*time.Millisecond, b.Delay(2, 0))
	assert.Equal(t, 40*time.Millisecond, b.Delay(3, 0))
	assert.Equal(t, 50*time.Millisecond, b.Delay(4, 0), "capped")
	assert.Equal(t, 50*time.Millisecond, b.Delay(400, 0), "capped, no overflow")
	// random close to 1: up to Jitter of the delay taken off.
	assert.Equal(t, 5*time.Millisecond, b.Delay(1, 1))
	assert.Equal(t, 25*time.Millisecond, b.Delay(9, 1))

	assert.Equal(t, 10*time.Millisecond, Backoff{Initial: 10 * time.Millisecond, Factor: 0.1}.Delay(5, 0), "factor below 1 is 1")
	assert.Equal(t, time.Duration(0), Backoff{Initial: 10 * time.Millisecond, Jitter: 3}.Delay(1, 1), "jitter above 1 is 1")
}
