package main

import "time"

// minuteClock is the seed's clock in the demo: it reads the Unix epoch
// when the run starts and then advances one minute per c.realMinute of real
// time, so that the seed's one-minute window turns over within a short
// run, at the same points of every run.
type minuteClock struct {
	start time.Time
	// realMinute is how much real time one of the clock's minutes lasts.
	realMinute time.Duration
}

func newMinuteClock(realMinute time.Duration) *minuteClock {
	return &minuteClock{start: time.Now(), realMinute: realMinute}
}

// now is the clock's time.
func (c *minuteClock) now() time.Time {
	elapsed := time.Since(c.start)
	return time.Unix(0, 0).Add(time.Duration(float64(elapsed) * float64(time.Minute) / float64(c.realMinute)))
}

// minute is the number of the clock's minute now, as the seed's key has
// it (Unix seconds / 60).
func (c *minuteClock) minute() int64 { return c.now().Unix() / 60 }
