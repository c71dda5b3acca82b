package load

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Update applies one update to the hot object on behalf of worker (0 to
// workers-1); an error means the caller was told it failed.
type Update func(ctx context.Context, worker int) error

// Result is what one run measured.
type Result struct {
	// Requested is how many updates were asked for; Failed how many
	// returned an error.
	Requested, Failed int
	// Errors are the errors the failed updates returned.
	Errors []error
	// Applied is how many increments the object holds at the end; Lost is
	// Requested - Applied (updates that gave up, or that reported success
	// and were overwritten).
	Applied, Lost int
	// Calls and Conflicts are the API requests sent and the 409s received;
	// Bytes the bytes of their request and answer bodies.
	Calls, Conflicts, Bytes int64
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
	// Latencies are those of single updates, sorted; P50 and P99 are
	// taken from them.
	Latencies []time.Duration
	P50, P99  time.Duration
}

// CallsPerApplied is API calls per applied update.
func (r Result) CallsPerApplied() float64 {
	if r.Applied == 0 {
		return 0
	}
	return float64(r.Calls) / float64(r.Applied)
}

// BytesPerApplied is the bytes of request and answer bodies per applied
// update.
func (r Result) BytesPerApplied() float64 {
	if r.Applied == 0 {
		return 0
	}
	return float64(r.Bytes) / float64(r.Applied)
}

// PerSecond is applied updates per second.
func (r Result) PerSecond() float64 {
	return float64(r.Applied) / r.Elapsed.Seconds()
}

// Run calls update total times from workers goroutines and fills in what
// it can measure alone: Requested, Failed, Elapsed and the latencies. The
// caller reads the object and the counter for the rest.
func Run(ctx context.Context, workers, total int, update Update) Result {
	var (
		wg        sync.WaitGroup
		next      atomic.Int64
		mu        sync.Mutex
		errs      []error
		latencies = make([]time.Duration, 0, total)
	)
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				t := time.Now()
				err := update(ctx, w)
				d := time.Since(t)
				mu.Lock()
				latencies = append(latencies, d)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r := Result{Requested: total, Failed: len(errs), Errors: errs, Elapsed: time.Since(start)}
	r.SetLatencies(latencies)
	return r
}

// SetLatencies sorts latencies into r and takes P50 and P99 from them;
// results of several processes are merged with it.
func (r *Result) SetLatencies(latencies []time.Duration) {
	slices.Sort(latencies)
	r.Latencies = latencies
	if n := len(latencies); n > 0 {
		r.P50 = latencies[n/2]
		r.P99 = latencies[min(n-1, n*99/100)]
	}
}
