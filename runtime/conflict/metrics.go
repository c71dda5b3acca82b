package conflict

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics holds the Prometheus collectors the helpers record into. Labels
// are group, kind and operation: never object names, whose number is
// unbounded.
type Metrics struct {
	conflicts *prometheus.CounterVec
	attempts  *prometheus.HistogramVec
	exhausted *prometheus.CounterVec
}

// DefaultMetrics is registered in controller-runtime's metrics.Registry, so
// a manager's /metrics endpoint serves it without any set-up. If that
// registry already holds a different collector under one of its names (two
// copies of this package linked into one binary, say), DefaultMetrics
// records into collectors of its own that nothing serves: a library must
// not crash its importer at init. Use [NewMetrics] and [WithMetrics] to
// register elsewhere.
var DefaultMetrics = newDefaultMetrics(ctrlmetrics.Registry)

// NewMetrics creates the collectors and registers them with reg. Names:
//
//   - conflictgen_conflicts_total: 409 Conflict answers to a helper's writes.
//   - conflictgen_attempts: writes tried per helper call that reached the
//     API server (a histogram).
//   - conflictgen_retries_exhausted_total: calls that gave up on conflicts.
//
// Collectors that reg already holds are reused, so NewMetrics can be called
// twice with one registry.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := newCollectors()
	var err error
	m.conflicts, err = register(reg, m.conflicts)
	if err != nil {
		return nil, err
	}
	m.attempts, err = register(reg, m.attempts)
	if err != nil {
		return nil, err
	}
	m.exhausted, err = register(reg, m.exhausted)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// newCollectors creates the collectors, unregistered.
func newCollectors() *Metrics {
	labels := []string{"group", "kind", "operation"}
	return &Metrics{
		conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conflictgen_conflicts_total",
			Help: "Number of 409 Conflict answers to writes made by conflict-gen helpers.",
		}, labels),
		attempts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "conflictgen_attempts",
			Help:    "Writes tried per conflict-gen helper call.",
			Buckets: []float64{1, 2, 3, 5, 8, 13, 21, 34, 55},
		}, labels),
		exhausted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conflictgen_retries_exhausted_total",
			Help: "Number of conflict-gen helper calls that gave up on conflicts.",
		}, labels),
	}
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// newDefaultMetrics registers the collectors with reg, or returns
// unregistered ones when reg refuses them; it never panics.
func newDefaultMetrics(reg prometheus.Registerer) *Metrics {
	if m, err := NewMetrics(reg); err == nil {
		return m
	}
	return newCollectors()
}

func (m *Metrics) conflict(gk schema.GroupKind, op Operation) {
	if m != nil {
		m.conflicts.WithLabelValues(gk.Group, gk.Kind, string(op)).Inc()
	}
}

func (m *Metrics) done(gk schema.GroupKind, op Operation, attempts int, exhausted bool) {
	if m == nil || attempts == 0 {
		return
	}
	m.attempts.WithLabelValues(gk.Group, gk.Kind, string(op)).Observe(float64(attempts))
	if exhausted {
		m.exhausted.WithLabelValues(gk.Group, gk.Kind, string(op)).Inc()
	}
}
