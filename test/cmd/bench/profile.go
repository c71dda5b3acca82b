package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// This file holds -profile: where a row's time goes. The API server and
// etcd run in the bench's own process, the writers of a multi-process row
// in worker processes; each gets a CPU profile per row, and the API
// server's count of etcd transactions is read from its /metrics before
// and after the row: an apply the server retries in itself (another write
// landed first) costs a transaction per attempt.

// profileEnv tells a worker process where to write its CPU profile: the
// value, then "-worker-N.pprof".
const profileEnv = "CONFLICT_GEN_BENCH_PROFILE"

// profileRow profiles the row that writes object, into dir, and returns
// the function that ends it and prints what it counted to stderr.
func profileRow(dir string, cfg *rest.Config, object, label, strategy string) (stop func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	prefix := filepath.Join(dir, object)
	f, err := os.Create(prefix + "-server.pprof")
	if err != nil {
		return nil, err
	}
	before, err := etcdTransactions(cfg)
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	if err := os.Setenv(profileEnv, prefix); err != nil {
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		os.Unsetenv(profileEnv)
		if err := f.Close(); err != nil {
			return err
		}
		after, err := etcdTransactions(cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "profile %s (%s %s): etcd transactions on nodes: %d updates, %d gets; CPU profiles %s-*.pprof\n",
			object, label, strategy, after.update-before.update, after.get-before.get, prefix)
		return nil
	}, nil
}

// profileWorker profiles this worker process when the bench profiles its
// row; the returned function ends it.
func profileWorker(process string) (stop func(), err error) {
	prefix := os.Getenv(profileEnv)
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(fmt.Sprintf("%s-worker-%s.pprof", prefix, process))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// transactions are the API server's etcd requests for Nodes, by
// operation.
type transactions struct{ update, get int64 }

// etcdTransactions reads them from the API server's etcd_requests_total.
func etcdTransactions(cfg *rest.Config) (transactions, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return transactions{}, err
	}
	body, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		return transactions{}, fmt.Errorf("reading the API server's metrics: %w", err)
	}
	var t transactions
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "etcd_requests_total{") || !strings.Contains(line, `resource="nodes"`) {
			continue
		}
		fields := strings.Fields(line)
		n, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			continue
		}
		switch {
		case strings.Contains(line, `operation="update"`):
			t.update += int64(n)
		case strings.Contains(line, `operation="get"`):
			t.get += int64(n)
		}
	}
	return t, sc.Err()
}
