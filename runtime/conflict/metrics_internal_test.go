package conflict

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Defect 11: registering the default metrics must not panic when the
// registry already holds collectors of the same names with other help or
// labels (two versions of the runtime linked into one binary): a library
// must not crash its importer at init.
func TestDefaultMetricsNeverPanic(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		prometheus.NewCounter(prometheus.CounterOpts{Name: "conflictgen_conflicts_total", Help: "Conflicts, as an older runtime counted them."}),
		prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "conflictgen_attempts", Help: "Another meaning."}, []string{"object"}),
		prometheus.NewCounterVec(prometheus.CounterOpts{Name: "conflictgen_retries_exhausted_total", Help: "Gave up."}, []string{"kind"}),
	)
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("newDefaultMetrics panicked: %v", p)
		}
	}()
	newDefaultMetrics(reg)
	// Registered twice in one registry, the same collectors are reused.
	same := prometheus.NewRegistry()
	if m := newDefaultMetrics(same); m == nil {
		t.Error("newDefaultMetrics returned nil for an empty registry")
	}
	newDefaultMetrics(same)
}
