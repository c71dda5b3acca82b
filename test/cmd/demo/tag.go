package main

import (
	"context"
	"net/http"

	"k8s.io/client-go/rest"

	"github.com/conflict-gen/conflict-gen/test/harness"
)

// The demo tags the API requests a handler makes for a client's request
// with that request's ID, so that the proxy's record of stored writes says
// which request each one applied. Handlers never see the tag.

type tagKey struct{}

// withTag returns ctx with the tag that the API requests made with it
// carry.
func withTag(ctx context.Context, tag string) context.Context {
	return context.WithValue(ctx, tagKey{}, tag)
}

// tagged returns a copy of cfg whose requests carry their context's tag
// in harness.TagHeader.
func tagged(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			if tag, ok := r.Context().Value(tagKey{}).(string); ok {
				r = r.Clone(r.Context())
				r.Header.Set(harness.TagHeader, tag)
			}
			return rt.RoundTrip(r)
		})
	})
	return cfg
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
