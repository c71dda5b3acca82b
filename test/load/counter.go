package load

import (
	"io"
	"net/http"
	"sync/atomic"

	"k8s.io/client-go/rest"
)

// Counter counts the requests a client sends, the conflicts it gets back
// and the bytes of their bodies, at the HTTP level, so that every
// strategy is counted the same way whatever it does inside.
type Counter struct {
	requests, reads, conflicts, bytes atomic.Int64
}

// Wrap returns a copy of cfg whose requests c counts.
func (c *Counter) Wrap(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			c.requests.Add(1)
			if r.Method == http.MethodGet {
				c.reads.Add(1)
			}
			if r.ContentLength > 0 {
				c.bytes.Add(r.ContentLength)
			}
			resp, err := rt.RoundTrip(r)
			if err == nil && resp.StatusCode == http.StatusConflict {
				c.conflicts.Add(1)
			}
			if err == nil && resp.Body != nil {
				resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.bytes}
			}
			return resp, err
		})
	})
	return cfg
}

// Requests is how many requests were sent.
func (c *Counter) Requests() int64 { return c.requests.Load() }

// Reads is how many of them were GETs.
func (c *Counter) Reads() int64 { return c.reads.Load() }

// Writes is how many of them were not GETs.
func (c *Counter) Writes() int64 { return c.requests.Load() - c.reads.Load() }

// Conflicts is how many were answered 409 Conflict.
func (c *Counter) Conflicts() int64 { return c.conflicts.Load() }

// Bytes is how many bytes the request and answer bodies held (as sent,
// before any compression of the transport).
func (c *Counter) Bytes() int64 { return c.bytes.Load() }

// countingBody adds what is read from an answer's body to n.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	k, err := b.ReadCloser.Read(p)
	b.n.Add(int64(k))
	return k, err
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
