// Package e2e runs the generated helpers against a real API server (see
// package harness): contention, generation semantics, faults and bad
// input, with the example kinds.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/conflict-gen/conflict-gen/test/harness"
)

// env is the API server every test of this package shares; each test
// works on objects of its own names.
var env *harness.Env

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(runWorker())
	}
	var err error
	env, err = harness.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	env.Stop()
	os.Exit(code)
}
