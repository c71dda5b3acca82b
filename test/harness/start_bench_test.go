package harness_test

import (
	"testing"

	"github.com/conflict-gen/conflict-gen/test/harness"
)

// The two servers' start-up, side by side (each iteration: etcd, the API
// server, the example CRDs installed and served, then stopped):
//
//	cd test && go test -run '^$' -bench Start -benchtime 3x ./harness

func BenchmarkStartCRDOnly(b *testing.B) {
	for b.Loop() {
		env, err := harness.Start()
		if err != nil {
			b.Fatal(err)
		}
		env.Stop()
	}
}

func BenchmarkStartKube(b *testing.B) {
	for b.Loop() {
		env, err := harness.StartKube(b)
		if err != nil {
			b.Fatal(err)
		}
		env.Stop()
	}
}
