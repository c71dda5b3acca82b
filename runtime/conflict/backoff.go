package conflict

import (
	"math"
	"time"
)

// Backoff describes the delay before each retry: Initial, then multiplied
// by Factor after every attempt, never more than Cap, with a random part
// (Jitter) so that writers who collided once do not collide again in
// lock step.
//
// Unlike client-go's wait.Backoff there is no step count: how long to keep
// trying is decided by the time budget (see [WithBudget]) and the context's
// deadline, because under real contention a handful of steps is not enough
// and updates are lost.
type Backoff struct {
	// Initial is the delay before the first retry.
	Initial time.Duration
	// Factor multiplies the delay after every retry; values below 1 are
	// treated as 1.
	Factor float64
	// Jitter is the random fraction of each delay, from 0 (none) to 1: the
	// delay is drawn uniformly from [d*(1-Jitter), d].
	Jitter float64
	// Cap bounds the delay before jitter; zero means no bound.
	Cap time.Duration
}

// DefaultBackoff starts at 5ms, doubles up to 1s and draws each delay from
// the upper half of its range.
var DefaultBackoff = Backoff{
	Initial: 5 * time.Millisecond,
	Factor:  2,
	Jitter:  0.5,
	Cap:     time.Second,
}

// DefaultBudget is how long one helper call keeps retrying conflicts when
// neither [WithBudget] nor the context's deadline says otherwise.
const DefaultBudget = 30 * time.Second

// Delay returns the delay before retry number retry (1 for the first
// retry), given a random number in [0, 1).
func (b Backoff) Delay(retry int, random float64) time.Duration {
	if retry < 1 {
		retry = 1
	}
	factor := math.Max(b.Factor, 1)
	d := float64(b.Initial) * math.Pow(factor, float64(retry-1))
	if b.Cap > 0 && d > float64(b.Cap) {
		d = float64(b.Cap)
	}
	jitter := math.Min(math.Max(b.Jitter, 0), 1)
	d -= d * jitter * random
	return time.Duration(d)
}
