// Command demo runs the homelab autoscaler's hot path on a real API server
// (embedded etcd and apiextensions-apiserver, see package harness): many
// concurrent NodeGroupIncreaseSize requests for one Group, as the cluster
// autoscaler sends them when a burst of pods is pending. It runs the same
// load through the hand-written handlers of the seed documents and through
// the handler built on conflict-gen's helpers, and prints one table.
//
// Then it loses answers (lost_answers.go): the proxy stores some writes and
// drops their answers, clients retry with the same request ID until they
// succeed, and a second table counts what the seed's in-memory
// deduplication and the generated handler with request IDs applied, with
// one server, a restart, and two replicas.
//
//	make demo
//	go run ./cmd/demo -workers 32 -requests 384   (from test/)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab"
	"github.com/conflict-gen/conflict-gen/test/harness"
	"github.com/conflict-gen/conflict-gen/test/load"
)

func main() {
	workers := flag.Int("workers", 32, "concurrent requests")
	requests := flag.Int("requests", 384, "NodeGroupIncreaseSize requests in all, each +1 (at most 1000, the Group's maxSize)")
	flag.Parse()
	if err := run(*workers, *requests); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// handler is one implementation of NodeGroupIncreaseSize(group, +1).
type handler struct {
	name string
	new  func(c client.Client) func(ctx context.Context, group string) error
}

var handlers = []handler{
	{"seed: Get+Update, 3 attempts (optimistic-locking guide)", func(c client.Client) func(context.Context, string) error {
		return func(ctx context.Context, group string) error { return seedIncrease(ctx, c, group) }
	}},
	{"seed: RetryOnConflict(DefaultRetry) (Neo4j analysis)", func(c client.Client) func(context.Context, string) error {
		return func(ctx context.Context, group string) error {
			return retry.RetryOnConflict(retry.DefaultRetry, func() error { return getIncreaseUpdate(ctx, c, group) })
		}
	}},
	{"conflict-gen: homelab.Provider (UpdateGroupWithRetry)", func(c client.Client) func(context.Context, string) error {
		p := &homelab.Provider{Client: c, APIReader: c}
		return func(ctx context.Context, group string) error {
			_, err := p.NodeGroupIncreaseSize(ctx, &homelab.NodeGroupIncreaseSizeRequest{Id: group, Delta: 1})
			return err
		}
	}},
}

// seedIncrease is processNodeGroupIncreaseWithRetry of the optimistic
// locking guide: up to three fresh reads and updates, no backoff.
func seedIncrease(ctx context.Context, c client.Client, group string) error {
	const maxRetries = 3
	for range maxRetries {
		err := getIncreaseUpdate(ctx, c, group)
		if apierrors.IsConflict(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("failed to increase node group size after %d attempts", maxRetries)
}

func getIncreaseUpdate(ctx context.Context, c client.Client, group string) error {
	g := &infrav1alpha1.Group{}
	if err := c.Get(ctx, client.ObjectKey{Name: group}, g); err != nil {
		return err
	}
	g.Spec.TargetSize++
	return c.Update(ctx, g)
}

func run(workers, requests int) error {
	fmt.Fprintln(os.Stderr, "starting etcd and the API server...")
	env, err := harness.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	ctx := context.Background()

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(os.Stdout, "\n%d concurrent NodeGroupIncreaseSize(+1) requests, %d in all, on one Group; client QPS unlimited\n\n", workers, requests)
	fmt.Fprintln(tw, "handler\trequested\tapplied\tlost\tconflicts\tAPI calls / applied\tapplied / s\tp50\tp99\t")
	for i, h := range handlers {
		var counter load.Counter
		c, err := env.NewClient(counter.Wrap(env.Config()))
		if err != nil {
			return err
		}
		name := fmt.Sprintf("demo-%d", i)
		g := &infrav1alpha1.Group{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       infrav1alpha1.GroupSpec{MaxSize: 1000},
		}
		if err := c.Create(ctx, g); err != nil {
			return err
		}
		calls, conflicts := counter.Requests(), counter.Conflicts() // the create
		increase := h.new(c)
		r := load.Run(ctx, workers, requests, func(ctx context.Context, _ int) error { return increase(ctx, name) })
		r.Calls, r.Conflicts = counter.Requests()-calls, counter.Conflicts()-conflicts
		if err := c.Get(ctx, client.ObjectKeyFromObject(g), g); err != nil {
			return err
		}
		r.Applied = int(g.Spec.TargetSize)
		r.Lost = r.Requested - r.Applied
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.0f\t%s\t%s\t\n", h.name, r.Requested, r.Applied, r.Lost, r.Conflicts,
			r.CallsPerApplied(), r.PerSecond(), r.P50.Round(100*time.Microsecond), r.P99.Round(100*time.Microsecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rows, err := runLostAnswers(ctx, env, defaultLostAnswers)
	if err != nil {
		return err
	}
	return printLostAnswers(os.Stdout, defaultLostAnswers, rows)
}
