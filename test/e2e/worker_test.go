package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/test/harness"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// The test binary re-executes itself as a worker process when workerEnv
// is set; the other variables say what to do.
const (
	workerEnv     = "CONFLICT_GEN_E2E_WORKER"
	workerConfig  = "CONFLICT_GEN_E2E_CONFIG"
	workerObject  = "CONFLICT_GEN_E2E_OBJECT"
	workerThreads = "CONFLICT_GEN_E2E_GOROUTINES"
	workerCount   = "CONFLICT_GEN_E2E_INCREMENTS"
)

// TestEveryIncrementIsAppliedAcrossProcesses: 4 processes x 8 goroutines
// increment one object; no process knows of the others, so every conflict
// goes through the API server.
func TestEveryIncrementIsAppliedAcrossProcesses(t *testing.T) {
	const processes, goroutines, perProcess = 4, 8, 64
	for _, op := range nodeOps {
		t.Run(op.name, func(t *testing.T) {
			c := newClient(t)
			name := "hot-processes-" + op.name
			createNode(t, c, name)
			cfg, err := harness.EncodeConfig(env.Config())
			require.NoError(t, err)

			outs, err := load.Processes(processes, []string{"-test.run=^$"}, func(int) []string {
				return []string{workerEnv + "=" + op.name, workerConfig + "=" + cfg, workerObject + "=" + name,
					workerThreads + "=" + strconv.Itoa(goroutines), workerCount + "=" + strconv.Itoa(perProcess)}
			})
			require.NoError(t, err, "workers")
			applied := int64(0)
			for _, out := range outs {
				n, err := strconv.Atoi(strings.TrimSpace(string(out)))
				require.NoError(t, err, "worker output %q", out)
				applied += int64(n)
			}
			assert.Equal(t, int64(processes*perProcess), applied, "every increment reported applied")
			assert.Equal(t, int64(processes*perProcess), op.count(getNode(t, c, name)), "and found on the server")
		})
	}
}

// runWorker is a worker process: it applies its increments with its own
// goroutines and prints how many succeeded; failures go to stderr and make
// it exit 1.
func runWorker() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	op := opNamed(os.Getenv(workerEnv))
	cfg, err := harness.DecodeConfig(os.Getenv(workerConfig))
	if err != nil {
		return fail(err)
	}
	c, err := harness.NewClient(cfg)
	if err != nil {
		return fail(err)
	}
	goroutines, _ := strconv.Atoi(os.Getenv(workerThreads))
	total, _ := strconv.Atoi(os.Getenv(workerCount))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := &infrav1alpha1.Node{}
	if err := c.Get(ctx, client.ObjectKey{Name: os.Getenv(workerObject)}, start); err != nil {
		return fail(err)
	}
	held := make([]*infrav1alpha1.Node, goroutines)
	for i := range held {
		held[i] = start.DeepCopy()
	}
	r := load.Run(ctx, goroutines, total, func(ctx context.Context, w int) error {
		return op.update(ctx, c, held[w], func(n *infrav1alpha1.Node) error { op.inc(n); return nil })
	})
	fmt.Println(r.Requested - r.Failed)
	for _, err := range r.Errors {
		fmt.Fprintln(os.Stderr, err)
	}
	if r.Failed > 0 {
		return 1
	}
	return 0
}
