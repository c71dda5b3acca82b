// Command bench measures, on the embedded real API server, every way of
// updating one hot object that an operator author has, side by side in
// one run: W goroutines of one process, and several processes, each
// increment (or apply) until the requested number of updates was asked
// for. It prints one table, then a second for the status workload, where
// several processes write different status fields and conditions of one
// object (load.StatusStrategies): optimistic locking against server-side
// apply.
//
//	make bench
//	go run ./cmd/bench -updates 256 -w 1,8,32,128 -processes 4 -process-goroutines 8   (from test/)
//	go run ./cmd/bench -workloads status -profile prof   (CPU profiles and etcd transactions per row: profile.go)
//
// Client-side rate limiting is off (QPS -1): the figures measure the API
// server and the strategies, not client-go's token bucket.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/test/harness"
	"github.com/conflict-gen/conflict-gen/test/load"
)

// workerEnv makes the binary a worker process of a multi-process row.
const workerEnv = "CONFLICT_GEN_BENCH_WORKER"

func main() {
	updates := flag.Int("updates", 256, "updates requested per row")
	ws := flag.String("w", "1,8,32,128", "goroutines of one process, one row each")
	processes := flag.Int("processes", 4, "processes of the multi-process rows (0: none)")
	perProcess := flag.Int("process-goroutines", 8, "goroutines of each process in the multi-process rows")
	workloads := flag.String("workloads", "pricing,status", "tables to measure: pricing (spec.pricing increments), status (the status workload)")
	profile := flag.String("profile", "", "directory for each row's CPU profiles (API server and workers); also prints its etcd transactions")
	flag.Parse()
	var err error
	if spec := os.Getenv(workerEnv); spec != "" {
		err = worker(spec)
	} else {
		err = run(*updates, *ws, *processes, *perProcess, strings.Split(*workloads, ","), *profile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// row is one line of a table.
type row struct {
	strategy load.Strategy
	label    string
	r        load.Result
}

// tables are the strategy lists a worker process can be told to run, by
// the letter that starts its spec.
var tables = map[byte][]load.Strategy{'p': load.Strategies, 's': load.StatusStrategies}

func run(updates int, wList string, processes, perProcess int, workloads []string, profile string) error {
	pricing, status := slices.Contains(workloads, "pricing"), slices.Contains(workloads, "status")
	var ws []int
	for _, f := range strings.Split(wList, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 {
			return fmt.Errorf("-w: %q is not a positive number", f)
		}
		ws = append(ws, w)
	}
	fmt.Fprintln(os.Stderr, "starting etcd and the API server...")
	env, err := harness.Start()
	if err != nil {
		return err
	}
	defer env.Stop()

	var rows, statusRows []row
	object := 0
	measure := func(rows *[]row, s load.Strategy, label string, do func(name string) (load.Result, error)) error {
		object++
		name := fmt.Sprintf("bench-%d", object)
		c, err := env.NewClient(nil)
		if err != nil {
			return err
		}
		n := &infrav1alpha1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: infrav1alpha1.NodeSpec{DesiredPowerState: infrav1alpha1.PowerStateOff, GroupRef: "bench"}}
		if err := c.Create(context.Background(), n); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%-12s %s\n", label, s.Name)
		stop := func() error { return nil }
		if profile != "" {
			if stop, err = profileRow(profile, env.Config(), name, label, s.Name); err != nil {
				return err
			}
		}
		r, err := do(name)
		if err := errors.Join(err, stop()); err != nil {
			return err
		}
		if err := c.Get(context.Background(), client.ObjectKey{Name: name}, n); err != nil {
			return err
		}
		r.Applied = s.Applied(n)
		r.Lost = r.Requested - r.Applied
		*rows = append(*rows, row{s, label, r})
		return nil
	}
	for _, w := range ws {
		if !pricing {
			break
		}
		for _, s := range load.Strategies {
			err := measure(&rows, s, fmt.Sprintf("W=%d", w), func(name string) (load.Result, error) {
				var counter load.Counter
				c, err := env.NewClient(counter.Wrap(env.Config()))
				if err != nil {
					return load.Result{}, err
				}
				r := load.Run(context.Background(), w, updates, s.New(c, name))
				r.Calls, r.Conflicts, r.Bytes = counter.Requests(), counter.Conflicts(), counter.Bytes()
				return r, nil
			})
			if err != nil {
				return err
			}
		}
	}
	if processes > 0 {
		for i, s := range load.Strategies {
			if !pricing {
				break
			}
			err := measure(&rows, s, fmt.Sprintf("%dx%d", processes, perProcess), func(name string) (load.Result, error) {
				return multiProcess(env.Config(), fmt.Sprintf("p%d", i), name, processes, perProcess, updates)
			})
			if err != nil {
				return err
			}
		}
		for i, s := range load.StatusStrategies {
			if !status {
				break
			}
			err := measure(&statusRows, s, fmt.Sprintf("%dx%d", processes, perProcess), func(name string) (load.Result, error) {
				return multiProcess(env.Config(), fmt.Sprintf("s%d", i), name, processes, perProcess, updates)
			})
			if err != nil {
				return err
			}
		}
	}
	fmt.Printf("\n%d updates requested per row on one hot Node; client QPS unlimited (rest.Config QPS -1)\n\n", updates)
	if len(rows) > 0 {
		printTable(rows, "RetryOnConflict(DefaultBackoff)")
	}
	if len(statusRows) > 0 {
		fmt.Printf("\nStatus workload: each process writes its own status field and its goroutines' conditions of one Node\n\n")
		printTable(statusRows, "UpdateNodeStatusWithRetry")
	}
	return nil
}

// workerResult is what a worker process reports.
type workerResult struct {
	Failed                  int
	Calls, Conflicts, Bytes int64
	Start, End              time.Time
	LatenciesNanosecond     []int64
}

// multiProcess runs a row in processes worker processes; strategy is the
// table's letter and the strategy's index in it.
func multiProcess(cfg *rest.Config, strategy string, name string, processes, goroutines, updates int) (load.Result, error) {
	encoded, err := harness.EncodeConfig(cfg)
	if err != nil {
		return load.Result{}, err
	}
	outs, err := load.Processes(processes, nil, func(p int) []string {
		share := updates / processes
		if p < updates%processes {
			share++
		}
		return []string{fmt.Sprintf("%s=%s;%s;%d;%d;%s", workerEnv, strategy, name, goroutines, share, encoded),
			fmt.Sprintf("%s=%d", load.ProcessEnv, p)}
	})
	if err != nil {
		return load.Result{}, err
	}
	results := make([]workerResult, processes)
	for p, out := range outs {
		if err := json.Unmarshal(out, &results[p]); err != nil {
			return load.Result{}, fmt.Errorf("worker %d: %w", p, err)
		}
	}
	r := load.Result{Requested: updates}
	start, end := results[0].Start, results[0].End
	var latencies []time.Duration
	for _, w := range results {
		r.Failed += w.Failed
		r.Calls += w.Calls
		r.Conflicts += w.Conflicts
		r.Bytes += w.Bytes
		start, end = minTime(start, w.Start), maxTime(end, w.End)
		for _, l := range w.LatenciesNanosecond {
			latencies = append(latencies, time.Duration(l))
		}
	}
	r.Elapsed = end.Sub(start)
	r.SetLatencies(latencies)
	return r, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// worker is one process of a multi-process row: it runs its share and
// prints a workerResult.
func worker(spec string) error {
	parts := strings.SplitN(spec, ";", 5)
	if len(parts) != 5 {
		return fmt.Errorf("bad worker spec")
	}
	if parts[0] == "" {
		return fmt.Errorf("bad worker spec")
	}
	table, ok := tables[parts[0][0]]
	strategy, err := strconv.Atoi(parts[0][1:])
	if !ok || err != nil || strategy < 0 || strategy >= len(table) {
		return fmt.Errorf("bad worker strategy %q", parts[0])
	}
	goroutines, _ := strconv.Atoi(parts[2])
	share, _ := strconv.Atoi(parts[3])
	cfg, err := harness.DecodeConfig(parts[4])
	if err != nil {
		return err
	}
	var counter load.Counter
	c, err := harness.NewClient(counter.Wrap(cfg))
	if err != nil {
		return err
	}
	s := table[strategy]
	stop, err := profileWorker(os.Getenv(load.ProcessEnv))
	if err != nil {
		return err
	}
	start := time.Now()
	r := load.Run(context.Background(), goroutines, share, s.New(c, parts[1]))
	stop()
	latencies := make([]int64, len(r.Latencies))
	for i, l := range r.Latencies {
		latencies[i] = int64(l)
	}
	return json.NewEncoder(os.Stdout).Encode(workerResult{
		Failed: r.Failed, Calls: counter.Requests(), Conflicts: counter.Conflicts(), Bytes: counter.Bytes(),
		Start: start, End: start.Add(r.Elapsed), LatenciesNanosecond: latencies,
	})
}

// printTable prints rows, each compared with the baseline strategy's row
// of the same writers (named by baseline in the header).
func printTable(rows []row, baselineName string) {
	baseline := map[string]float64{}
	for _, r := range rows {
		if r.strategy.Baseline {
			baseline[r.label] = r.r.PerSecond()
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintf(tw, "writers\tstrategy\tapplied/requested\tlost\tAPI calls/applied\t409s\tbytes/applied\tupdates/s\tp50\tp99\tvs %s\t\n", baselineName)
	for _, r := range rows {
		ratio := "-"
		if b := baseline[r.label]; b > 0 {
			ratio = fmt.Sprintf("%.1fx", r.r.PerSecond()/b)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%.2f\t%d\t%.0f\t%.0f\t%s\t%s\t%s\t\n", r.label, r.strategy.Name,
			r.r.Applied, r.r.Requested, r.r.Lost, r.r.CallsPerApplied(), r.r.Conflicts, r.r.BytesPerApplied(), r.r.PerSecond(),
			round(r.r.P50), round(r.r.P99), ratio)
	}
	tw.Flush()
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
