package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/examples/homelab"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// This file is the demo's second scenario, lost answers and client
// retries: the fault proxy stores some writes and loses their answers, so
// the handler, and its client, cannot know that the increase landed; every
// client retries a failed request, with the same request ID, until it
// succeeds. The same clients and faults run against the seed's in-memory
// deduplication and against the generated handler with request IDs, each
// with one server, one server restarted mid-run, and two replicas.

// lostAnswersConfig is the scenario's workload.
type lostAnswersConfig struct {
	// Clients each send PerClient distinct NodeGroupIncreaseSize(+1)
	// requests, one after the other, spread over Groups Groups: many
	// requests for a Group are identical in group and delta, as
	// cluster-autoscaler's are when it scales up again within a minute.
	Clients, PerClient, Groups int
	// LoseEvery: the proxy stores every LoseEvery-th write and loses its
	// answer.
	LoseEvery int
	// Minute is how long the seed's one-minute window lasts in the run:
	// its clock runs faster, so that a run takes seconds.
	Minute time.Duration
	// RetryPause is how long a client waits before sending a failed
	// request again.
	RetryPause time.Duration
	// Timeout bounds a run: a request that has not succeeded by then
	// fails the demo.
	Timeout time.Duration
}

// defaultLostAnswers is the workload of make demo.
var defaultLostAnswers = lostAnswersConfig{
	Clients: 32, PerClient: 4, Groups: 4, LoseEvery: 3,
	Minute: time.Second, RetryPause: 50 * time.Millisecond, Timeout: 2 * time.Minute,
}

// deployment is how many server processes answer the clients.
type deployment struct {
	name string
	// replicas answer in turn: a client's retry reaches the next one, as
	// behind a load balancer.
	replicas int
	// restart replaces every server process by a new one once half of the
	// requests have succeeded.
	restart bool
}

var deployments = []deployment{
	{name: "one server", replicas: 1},
	{name: "one server, restarted mid-run", replicas: 1, restart: true},
	{name: "two replicas", replicas: 2},
}

// increase is one server process's NodeGroupIncreaseSize as a client
// reaches it: each request carries its request ID.
type increase func(ctx context.Context, req *homelab.NodeGroupIncreaseSizeRequest, id string) error

// approach is one way of handling the requests.
type approach struct {
	name string
	// start starts one server process that writes with c; now is the
	// seed's clock.
	start func(c client.Client, now func() time.Time) increase
	// count says when the server applied each request, from what the
	// proxy saw stored or from what the Groups hold.
	count func(ctx context.Context, c client.Client, groups []string, writes []harness.Write) (applications, error)
}

var approaches = []approach{
	{
		name: "seed: in-memory dedup by (group, delta, minute)",
		start: func(c client.Client, now func() time.Time) increase {
			s := newSeedDedupServer(c, now)
			// The seed's clients send no request ID: it has no use for one.
			return func(ctx context.Context, req *homelab.NodeGroupIncreaseSizeRequest, _ string) error {
				_, err := s.NodeGroupIncreaseSize(ctx, req)
				return err
			}
		},
		count: countStoredWrites,
	},
	{
		name: "conflict-gen: request IDs kept in the Group",
		start: func(c client.Client, _ func() time.Time) increase {
			return func(ctx context.Context, req *homelab.NodeGroupIncreaseSizeRequest, id string) error {
				return sendWithRequestID(ctx, c, req, id)
			}
		},
		count: countRequestLog,
	},
}

// lostAnswersRow is what one run counted.
type lostAnswersRow struct {
	Approach, Deployment string
	// Requested counts the distinct requests the clients sent (each +1),
	// Applied the increments the Groups hold at the end.
	Requested, Applied int
	// Duplicates counts the extra times requests were applied (a retry of
	// a request that had landed, applied again), SameMinute those of them
	// sent within the seed's minute of the request's first application;
	// Dropped the requests answered with success but never applied.
	Duplicates, SameMinute, Dropped int
	// LostAnswers counts the writes the API server stored whose answer the
	// proxy lost; Retries the client calls that failed and were sent again.
	LostAnswers, Retries int
	Elapsed              time.Duration
}

// runLostAnswers runs every approach in every deployment on env, one after
// the other, each on Groups of its own.
func runLostAnswers(ctx context.Context, env *harness.Env, cfg lostAnswersConfig) ([]lostAnswersRow, error) {
	proxy := env.StartProxy()
	defer proxy.Close()
	admin, err := env.NewClient(nil)
	if err != nil {
		return nil, err
	}
	var rows []lostAnswersRow
	for i, a := range approaches {
		for j, d := range deployments {
			row, err := runLostAnswersCase(ctx, env, proxy, admin, cfg, a, d, fmt.Sprintf("lost-%d-%d", i, j))
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", a.name, d.name, err)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func runLostAnswersCase(ctx context.Context, env *harness.Env, proxy *harness.Proxy, admin client.Client,
	cfg lostAnswersConfig, a approach, d deployment, prefix string) (lostAnswersRow, error) {
	row := lostAnswersRow{Approach: a.name, Deployment: d.name}
	groups := make([]string, cfg.Groups)
	for g := range groups {
		groups[g] = fmt.Sprintf("%s-%d", prefix, g)
		group := &infrav1alpha1.Group{ObjectMeta: metav1.ObjectMeta{Name: groups[g]}, Spec: infrav1alpha1.GroupSpec{MaxSize: 1000}}
		if err := admin.Create(ctx, group); err != nil {
			return row, err
		}
	}

	clock := newMinuteClock(cfg.Minute)
	servers, err := newFleet(d.replicas, func() (increase, error) {
		c, err := env.NewClient(tagged(proxy.Config()))
		if err != nil {
			return nil, err
		}
		return a.start(c, clock.now), nil
	})
	if err != nil {
		return row, err
	}
	halfway := func() error { return nil }
	if d.restart {
		halfway = servers.restart
	}

	_ = proxy.Writes() // the Groups' creation
	proxy.Inject(&harness.Fault{LoseAnswer: true, Every: cfg.LoseEvery})
	defer proxy.Inject(nil)

	requests := newRequests(cfg, groups)
	start := time.Now()
	retries, err := sendAll(ctx, cfg, clock, requests, servers.server, halfway)
	row.Elapsed = time.Since(start)
	if err != nil {
		return row, err
	}
	row.Retries = retries
	proxy.Inject(nil)
	writes := proxy.Writes()
	for _, w := range writes {
		if w.Faulted && w.Succeeded() {
			row.LostAnswers++
		}
	}
	applied, err := a.count(ctx, admin, groups, writes)
	if err != nil {
		return row, err
	}
	return row, tally(ctx, admin, groups, requests, applied, &row)
}

// printLostAnswers prints rows as a table, after a line saying what ran.
func printLostAnswers(w io.Writer, cfg lostAnswersConfig, rows []lostAnswersRow) error {
	fmt.Fprintf(w, "\nLost answers and client retries: %d clients send %d distinct NodeGroupIncreaseSize(+1) requests, %d each, on %d Groups;\n",
		cfg.Clients, cfg.Clients*cfg.PerClient, cfg.PerClient, cfg.Groups)
	fmt.Fprintf(w, "the proxy stores one write in %d and loses its answer; a failed call is sent again (same request ID) until it succeeds;\n", cfg.LoseEvery)
	fmt.Fprintf(w, "the seed's one-minute window lasts %s of the run; a restart replaces the server once half the requests succeeded\n\n", cfg.Minute)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "approach\tservers\trequested\tapplied\tduplicates applied\tsame-minute duplicates\tlegitimate dropped\tanswers lost\tclient retries\ttime\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", r.Approach, r.Deployment, r.Requested, r.Applied,
			r.Duplicates, r.SameMinute, r.Dropped, r.LostAnswers, r.Retries, r.Elapsed.Round(10*time.Millisecond))
	}
	return tw.Flush()
}
