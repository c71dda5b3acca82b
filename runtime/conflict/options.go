package conflict

import (
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Option tunes one helper call.
type Option func(*options)

type options struct {
	backoff    Backoff
	budget     time.Duration
	reader     client.Reader
	fieldOwner string
	metrics    *Metrics
	logger     *logr.Logger
	combining  bool
	// requestID is set by WithRequestID (hasRequestID: even to "", which
	// is refused).
	requestID    string
	hasRequestID bool
	// derivedRequestID is set when requestID is the n-th write's ID that
	// the runtime derived from a valid context ID (it holds
	// derivedIDSeparator, which a caller's ID cannot).
	derivedRequestID bool
	// forceOwnership is set by WithForceOwnership.
	forceOwnership bool
}

func newOptions(opts []Option) options {
	o := options{backoff: DefaultBackoff, budget: DefaultBudget, metrics: DefaultMetrics, combining: true}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithBackoff sets the delay between attempts (default [DefaultBackoff]).
func WithBackoff(b Backoff) Option {
	return func(o *options) { o.backoff = b }
}

// WithBudget bounds how long a call keeps retrying conflicts (default
// [DefaultBudget]). The context's deadline, when earlier, wins.
func WithBudget(d time.Duration) Option {
	return func(o *options) { o.budget = d }
}

// WithReader sets where the object is read again after a conflict. Pass
// the manager's API reader (mgr.GetAPIReader()): the default, the client
// itself, is often backed by an informer cache that can still hold the
// stale object, so the retry would conflict again.
func WithReader(r client.Reader) Option {
	return func(o *options) { o.reader = r }
}

// WithFieldOwner sets the field manager recorded for every write.
func WithFieldOwner(owner string) Option {
	return func(o *options) { o.fieldOwner = owner }
}

// WithMetrics records into m instead of [DefaultMetrics]; nil records
// nothing.
func WithMetrics(m *Metrics) Option {
	return func(o *options) { o.metrics = m }
}

// WithLogger logs retries to l instead of the logger in the context
// (log.FromContext).
func WithLogger(l logr.Logger) Option {
	return func(o *options) { o.logger = &l }
}

// WithCombining turns the combining of concurrent updates on (the
// default) or off. With it, concurrent Update (or UpdateStatus) calls of
// this process for the same object are written together: one request
// instead of one per caller, and none of the conflicts they would have
// caused each other. Each caller's outcome is as if its update had run
// alone: its mutate runs in its own goroutine, on a copy that holds the
// mutations queued before it; a mutate's error or panic, or a change the
// API server refuses (invalid, or denied by admission), fails only its
// own caller; a caller whose context ends returns at once; its metrics,
// logger and backoff are its own (calls with different backoffs are not
// combined).
//
// A mutate that has not returned after 50ms (it waits for something
// another caller of the object holds, or calls a helper for the same
// object itself) is left behind: the write goes ahead without it, and its
// caller then runs alone, as with combining off.
//
// Calls are combined per client and reader, which must therefore be
// comparable: pointers, as the clients of client.New and of a manager
// are. A client that is a struct value with func fields (the fake
// client's interceptor, for one) cannot be told apart from another, and
// its calls run uncombined.
func WithCombining(on bool) Option {
	return func(o *options) { o.combining = on }
}
