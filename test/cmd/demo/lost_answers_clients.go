package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conflict-gen/conflict-gen/examples/homelab"
)

// This file is the clients' side of the lost-answers scenario: each client
// sends its requests one after the other and sends a failed one again,
// with the same request ID, until it succeeds.

// request is one distinct request of a client.
type request struct {
	client int
	// id is the request ID, kept across the client's retries.
	id  string
	req *homelab.NodeGroupIncreaseSizeRequest
}

// newRequests returns cfg's requests, PerClient for each client in the
// order it sends them; a client's requests go to different Groups, one
// after the other.
func newRequests(cfg lostAnswersConfig, groups []string) [][]request {
	requests := make([][]request, cfg.Clients)
	for c := range requests {
		for r := range cfg.PerClient {
			requests[c] = append(requests[c], request{
				client: c,
				id:     rand.Text(), // unguessable, as a client interceptor makes them
				req:    &homelab.NodeGroupIncreaseSizeRequest{Id: groups[(c+r)%len(groups)], Delta: 1},
			})
		}
	}
	return requests
}

// sendAll runs the clients until every request has succeeded, calling
// halfway once half of them have; server says which server a client's
// attempt reaches. It returns the number of failed calls that were sent
// again, or an error if a request did not succeed within cfg.Timeout.
func sendAll(ctx context.Context, cfg lostAnswersConfig, clock *minuteClock, requests [][]request,
	server func(client, attempt int) increase, halfway func() error) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	total := 0
	for _, rs := range requests {
		total += len(rs)
	}
	var (
		wg                 sync.WaitGroup
		succeeded, retries atomic.Int64
		errOnce            sync.Once
		runErr             error
	)
	fail := func(err error) { errOnce.Do(func() { runErr = err; cancel() }) }
	for _, rs := range requests {
		wg.Go(func() {
			for _, r := range rs {
				for attempt := 0; ; attempt++ {
					// The tag says which request, and in which of the seed's
					// minutes, an API request was sent for (see tag.go).
					callCtx, cancelCall := context.WithTimeout(withTag(ctx, sendTag(r.id, clock.minute())), 10*time.Second)
					err := server(r.client, attempt)(callCtx, r.req, r.id)
					cancelCall()
					if err == nil {
						break
					}
					if ctx.Err() != nil {
						fail(fmt.Errorf("request %s to %s did not succeed within %s: %w", r.id, r.req.Id, cfg.Timeout, err))
						return
					}
					retries.Add(1)
					time.Sleep(cfg.RetryPause)
				}
				if succeeded.Add(1) == int64(total/2) {
					if err := halfway(); err != nil {
						fail(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return int(retries.Load()), runErr
}
