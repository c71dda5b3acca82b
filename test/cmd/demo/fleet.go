package main

import "sync"

// fleet is the server processes that answer the clients of one run of the
// lost-answers scenario.
type fleet struct {
	// start starts one process: its own client (and so its own combining
	// of concurrent calls) and its own memory.
	start func() (increase, error)

	mu      sync.Mutex
	servers []increase
}

// newFleet starts replicas processes with start.
func newFleet(replicas int, start func() (increase, error)) (*fleet, error) {
	f := &fleet{start: start, servers: make([]increase, replicas)}
	return f, f.restart()
}

// restart replaces every process by a new one; calls under way finish on
// the old ones.
func (f *fleet) restart() error {
	servers := make([]increase, len(f.servers))
	for i := range servers {
		s, err := f.start()
		if err != nil {
			return err
		}
		servers[i] = s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.servers = servers
	return nil
}

// server is the process that a client's attempt reaches: the replicas in
// turn, as behind a load balancer, so that a retry reaches the next one.
func (f *fleet) server(client, attempt int) increase {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.servers[(client+attempt)%len(f.servers)]
}
