package conflict

import "time"

// SetMaxGather sets the bound of the wait for the calls of an apply's
// next request (apply_gather.go) until restore is called: the tests that
// show the wait make it long enough to be reached under any load.
func SetMaxGather(d time.Duration) (restore func()) {
	old := maxGather.Swap(int64(d))
	return func() { maxGather.Store(old) }
}
