package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// faultRun is the outcome of increments made through a faulty proxy.
type faultRun struct {
	ok     int64
	errs   []error
	writes []harness.Write
	final  *infrav1alpha1.Node
}

// faultLoad is the load runWithFault puts through the proxy.
type faultLoad struct {
	workers, total int
	// perCall bounds each call.
	perCall time.Duration
	// pause is how long a worker waits after a failed call.
	pause time.Duration
	// during, if set, runs once while the workers are busy; applied
	// reads how many increments the object holds so far.
	during func(applied func() int64)
	// combining is the helpers' WithCombining.
	combining bool
	// inDoubt is set for faults after which a failed call's write may
	// have been stored (a lost answer).
	inDoubt bool
}

// modes runs test with combining off ("alone") and on ("combined").
func modes(t *testing.T, test func(t *testing.T, combining bool)) {
	t.Run("alone", func(t *testing.T) { test(t, false) })
	t.Run("combined", func(t *testing.T) { test(t, true) })
}

// runWithFault increments the status counter of a fresh Node (named after
// name and the mode) through the proxy with the fault f injected. It checks
// what must hold whatever the fault: every write carried a
// resourceVersion, no write was accepted for a failed call (alone: exactly
// one per successful call), and the final count is the number of
// successes, so no mutate was applied twice.
func runWithFault(t *testing.T, name string, f *harness.Fault, l faultLoad) faultRun {
	t.Helper()
	proxy := env.StartProxy()
	defer proxy.Close()
	c, err := env.NewClient(proxy.Config())
	require.NoError(t, err)
	direct := newClient(t)
	if l.combining {
		name += "-combined"
	}
	start := createNode(t, direct, name)
	proxy.Writes()
	proxy.Inject(f)

	op := opNamed("status")
	held := make([]*infrav1alpha1.Node, l.workers)
	for i := range held {
		held[i] = start.DeepCopy()
	}
	results := make(chan load.Result, 1)
	go func() {
		results <- load.Run(context.Background(), l.workers, l.total, func(ctx context.Context, w int) error {
			cctx, cancel := context.WithTimeout(ctx, l.perCall)
			defer cancel()
			err := op.update(cctx, c, held[w], func(n *infrav1alpha1.Node) error { op.inc(n); return nil }, conflict.WithCombining(l.combining))
			if err != nil {
				time.Sleep(l.pause)
			}
			return err
		})
	}()
	if l.during != nil {
		l.during(func() int64 { return op.count(getNode(t, direct, name)) })
	}
	r := <-results
	run := faultRun{ok: int64(r.Requested - r.Failed), errs: r.Errors}
	proxy.Inject(nil)
	run.writes = proxy.Writes()
	run.final = getNode(t, newClient(t), name) // the server may have moved

	accepted := int64(0)
	for _, w := range run.writes {
		assert.NotEmpty(t, w.ResourceVersion, "a write without a resourceVersion: %s %s", w.Method, w.Path)
		if w.Succeeded() {
			accepted++
		}
	}
	final := op.count(run.final)
	// A failed call whose write may have been stored says so: only those
	// may be on the object, and none twice (nothing is retried blind).
	unknown := int64(0)
	for _, err := range run.errs {
		if errors.Is(err, conflict.ErrOutcomeUnknown) {
			unknown++
		}
	}
	assert.GreaterOrEqual(t, final, run.ok, "every successful increment is on the object")
	assert.LessOrEqual(t, final, run.ok+unknown, "no increment applied twice, none of a call told it failed for sure")
	if l.inDoubt {
		if !l.combining {
			assert.Equal(t, accepted, final, "one increment per stored write")
		}
		return run
	}
	if l.combining {
		// One write serves many calls; none serves a call told it failed.
		assert.LessOrEqual(t, accepted, run.ok+unknown, "no accepted write without a successful call")
	} else {
		assert.GreaterOrEqual(t, accepted, run.ok, "one accepted write per successful call")
		assert.LessOrEqual(t, accepted, run.ok+unknown, "none for a call told it failed for sure")
	}
	if unknown == 0 {
		assert.Equal(t, run.ok, final, "the object holds exactly the increments reported successful")
	}
	return run
}

func TestConflictStormIsOutlasted(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		run := runWithFault(t, "fault-409-storm", &harness.Fault{Status: 409, Count: 12},
			faultLoad{workers: 8, total: 64, perCall: time.Minute, combining: combining})
		assert.Empty(t, run.errs)
		assert.Equal(t, int64(64), run.ok)
	})
}

func TestConflictStormOutlastingTheDeadlineIsAConflictError(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		run := runWithFault(t, "fault-409-endless", &harness.Fault{Status: 409},
			faultLoad{workers: 2, total: 4, perCall: 300 * time.Millisecond, combining: combining})
		require.Len(t, run.errs, 4)
		for _, err := range run.errs {
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			if errors.Is(err, conflict.ErrOutcomeUnknown) {
				// The deadline fell during a write (under load, a PUT
				// may take most of the 300ms): the README's rule for a
				// context that ends while a write is under way.
				continue
			}
			var cerr *conflict.Error
			require.ErrorAs(t, err, &cerr)
			assert.True(t, apierrors.IsConflict(err))
		}
	})
}

func TestTooManyRequestsHonoursRetryAfter(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		run := runWithFault(t, "fault-429", &harness.Fault{Status: 429, RetryAfter: 1, Count: 1},
			faultLoad{workers: 1, total: 1, perCall: time.Minute, combining: combining})
		require.Empty(t, run.errs)
		require.Len(t, run.writes, 2, "the throttled write and its retry")
		assert.GreaterOrEqual(t, run.writes[1].At.Sub(run.writes[0].At), time.Second, "the retry waited for Retry-After")
	})
}

func TestServerErrorsAreReturnedUnretried(t *testing.T) {
	for _, tc := range []struct {
		status int
		is     func(error) bool
	}{
		{500, apierrors.IsInternalError},
		{503, apierrors.IsServiceUnavailable},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			modes(t, func(t *testing.T, combining bool) {
				run := runWithFault(t, fmt.Sprintf("fault-%d", tc.status), &harness.Fault{Status: tc.status, Every: 3},
					faultLoad{workers: 4, total: 48, perCall: time.Minute, combining: combining})
				require.NotEmpty(t, run.errs)
				for _, err := range run.errs {
					assert.True(t, tc.is(err), "the API's typed error, got %v", err)
				}
				faulted := 0
				for _, w := range run.writes {
					if w.Faulted {
						faulted++
					}
				}
				if combining {
					// A failed write fails every call in it: the write may
					// have been stored, so it is not split and tried again.
					assert.GreaterOrEqual(t, len(run.errs), faulted)
				} else {
					assert.Equal(t, len(run.errs), faulted, "one error per injected fault: not retried, not hidden")
				}
			})
		})
	}
}

func TestDroppedConnectionsFailTheCallAndWriteNothing(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		run := runWithFault(t, "fault-drop", &harness.Fault{Drop: true, Every: 4},
			faultLoad{workers: 4, total: 48, perCall: time.Minute, combining: combining})
		require.NotEmpty(t, run.errs)
		for _, err := range run.errs {
			assert.False(t, errors.Is(err, context.DeadlineExceeded), "failed fast: %v", err)
		}
	})
}

// TestLostAnswersAreNotRetriedBlind loses the answer to every fourth
// write after the server stored it. The caller cannot know whether its
// update landed; the helper reports the error instead of writing again,
// so nothing is applied twice.
func TestLostAnswersAreNotRetriedBlind(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		run := runWithFault(t, "fault-lost-answer", &harness.Fault{LoseAnswer: true, Every: 4},
			faultLoad{workers: 4, total: 48, perCall: time.Minute, combining: combining, inDoubt: true})
		require.NotEmpty(t, run.errs)
		stored := 0
		for _, w := range run.writes {
			if w.Faulted && w.Succeeded() {
				stored++
			}
		}
		assert.Positive(t, stored, "some lost answers were to stored writes")
		for _, err := range run.errs {
			assert.False(t, errors.Is(err, context.DeadlineExceeded), "failed fast: %v", err)
		}
		t.Logf("lost answers: %d calls failed, %d succeeded, %d lost answers to stored writes, %d increments on the object",
			len(run.errs), run.ok, stored, opNamed("status").count(run.final))
	})
}

func TestLatencyBeyondTheDeadlineEndsTheCall(t *testing.T) {
	modes(t, func(t *testing.T, combining bool) {
		begin := time.Now()
		run := runWithFault(t, "fault-latency", &harness.Fault{Latency: 5 * time.Second},
			faultLoad{workers: 2, total: 2, perCall: 200 * time.Millisecond, combining: combining})
		require.Len(t, run.errs, 2)
		for _, err := range run.errs {
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		}
		assert.Less(t, time.Since(begin), 4*time.Second, "the calls ended at their deadline, not after the latency")
	})
}

// TestCancelDuringBackoffReturnsWithinOneStep cancels a call that is
// waiting out a conflict storm.
func TestCancelDuringBackoffReturnsWithinOneStep(t *testing.T) {
	proxy := env.StartProxy()
	defer proxy.Close()
	c, err := env.NewClient(proxy.Config())
	require.NoError(t, err)
	n := createNode(t, newClient(t), "fault-cancel")
	proxy.Inject(&harness.Fault{Status: 409})

	cctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	time.AfterFunc(300*time.Millisecond, func() { cancelled = time.Now(); cancel() })
	op := opNamed("status")
	err = op.update(cctx, c, n, func(n *infrav1alpha1.Node) error { op.inc(n); return nil })
	returned := time.Since(cancelled)

	assert.ErrorIs(t, err, context.Canceled)
	if !errors.Is(err, conflict.ErrOutcomeUnknown) {
		// Cancelled in the backoff. Under load the cancel may fall during
		// a write instead: ErrOutcomeUnknown, as the README says of a
		// context that ends while a write is under way.
		var cerr *conflict.Error
		require.ErrorAs(t, err, &cerr)
	}
	// Retry-after-conflict delays reach a second (DefaultBackoff's cap);
	// returning well inside that shows the wait was cut short.
	assert.Less(t, returned, conflict.DefaultBackoff.Cap/2, "returned %v after cancel", returned)
}

// TestAPIServerRestartMidRun restarts the API server on the same etcd while
// writers are busy. Calls may fail while it is down, with typed errors;
// every call reported successful is on the object, and no other.
func TestAPIServerRestartMidRun(t *testing.T) {
	modes(t, testAPIServerRestartMidRun)
}

func testAPIServerRestartMidRun(t *testing.T, combining bool) {
	var stopping, restarted time.Time
	run := runWithFault(t, "fault-restart", nil, faultLoad{workers: 8, total: 1000, perCall: 30 * time.Second, pause: 50 * time.Millisecond,
		combining: combining,
		during: func(applied func() int64) {
			// Restart once the load is under way, whatever the speed of the
			// machine: combined, the whole load can finish in well under a
			// second.
			require.Eventually(t, func() bool { return applied() >= 50 }, 30*time.Second, time.Millisecond)
			stopping = time.Now()
			require.NoError(t, env.RestartAPIServer())
			restarted = time.Now()
		}})
	// Whether any call fails depends on timing: a combined run has been seen
	// to meet no request while the server was down. What must hold is that
	// a failure is a typed error.
	for _, err := range run.errs {
		var status apierrors.APIStatus
		assert.True(t, errors.As(err, &status), "typed error, got %T %v", err, err)
	}
	before, after := 0, 0
	for _, w := range run.writes {
		switch {
		case !w.Succeeded():
		case w.At.Before(stopping):
			before++
		case w.At.After(restarted):
			after++
		}
	}
	assert.Positive(t, before, "writes succeeded before the restart")
	assert.Positive(t, after, "writes succeeded again after the restart")
	t.Logf("restart: %d calls succeeded (%d writes before the restart, %d after), %d failed", run.ok, before, after, len(run.errs))
}
