package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

// Proxy is a reverse proxy on loopback in front of the API server that
// injects faults into the requests passing through it and records every
// write. Clients reach it through [Proxy.Config]; it follows the API
// server across [Env.RestartAPIServer].
type Proxy struct {
	env    *Env
	server *httptest.Server
	proxy  *httputil.ReverseProxy

	mu sync.Mutex
	// writing counts the write requests being served, so that Writes
	// waits for the answers a client may already have read; idle is
	// signalled when it drops to zero.
	writing    int
	idle       *sync.Cond
	faults     []*Fault
	writes     []Write
	transports map[string]http.RoundTripper
}

// Fault is what the proxy does to the requests it matches instead of (or
// before) passing them on.
type Fault struct {
	// Methods are the HTTP methods affected; empty means writes (PUT,
	// POST, PATCH, DELETE).
	Methods []string
	// BodyContains, when set, limits the fault to writes whose body
	// contains it (one caller's change among several).
	BodyContains string
	// Count bounds how many requests are affected; 0 means all of them
	// until the fault is cleared.
	Count int
	// Every affects one request in Every (1 or 0: each one).
	Every int
	// Latency delays the request before anything else happens.
	Latency time.Duration
	// Status answers with this HTTP status and a matching Kubernetes
	// Status body (409 Conflict, 429 TooManyRequests, 500, 503; 403 as an
	// admission webhook's denial) without passing the request on.
	Status int
	// RetryAfter, with Status 429 or 503, is sent as Retry-After (seconds).
	RetryAfter int
	// Drop closes the connection without an answer; the request never
	// reaches the API server.
	Drop bool
	// LoseAnswer passes the request on, then closes the connection
	// instead of passing the answer back: the write may be stored although
	// the client sees only a broken connection.
	LoseAnswer bool

	seen int // requests the fault matched, guarded by the proxy's mutex
}

// Write is one write request that reached the proxy.
type Write struct {
	// Method and Path are the request's.
	Method, Path string
	// ResourceVersion is the body's metadata.resourceVersion.
	ResourceVersion string
	// At is when the proxy received it.
	At time.Time
	// Status is the HTTP status of the answer; 0 when the connection was
	// dropped before the server answered. With LoseAnswer it is the
	// server's status, which the client never saw.
	Status int
	// Faulted is true when the proxy answered it instead of the server.
	Faulted bool
	// Tag is the request's [TagHeader]: which caller made the write, when
	// several share a client and the body does not tell.
	Tag string
}

// TagHeader is the request header the proxy records as [Write.Tag]. The
// API server ignores it.
const TagHeader = "X-Harness-Tag"

// StartProxy starts a proxy in front of e's API server. It is stopped with
// [Proxy.Close].
func (e *Env) StartProxy() *Proxy {
	p := &Proxy{env: e, transports: map[string]http.RoundTripper{}}
	p.idle = sync.NewCond(&p.mu)
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			target, _ := url.Parse(e.Config().Host)
			r.SetURL(target)
		},
		Transport:     roundTripper(p.roundTrip),
		FlushInterval: -1, // watches stream
	}
	p.server = httptest.NewServer(p)
	return p
}

// Config reaches the API server through the proxy, over plain HTTP on
// loopback; the proxy adds the server's credentials.
func (p *Proxy) Config() *rest.Config {
	return &rest.Config{Host: p.server.URL, QPS: -1}
}

// Close stops the proxy.
func (p *Proxy) Close() { p.server.Close() }

// Inject makes f the proxy's fault, replacing any other; nil clears it.
func (p *Proxy) Inject(f *Fault) {
	if f == nil {
		p.InjectAll()
		return
	}
	p.InjectAll(f)
}

// InjectAll makes fs the proxy's faults, replacing any others: a request
// gets the first that matches it. None clears them.
func (p *Proxy) InjectAll(fs ...*Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range fs {
		f.seen = 0
	}
	p.faults = fs
}

// Writes returns the write requests seen so far and forgets them. It
// waits for the writes being served to be answered and recorded.
func (p *Proxy) Writes() []Write {
	p.mu.Lock()
	for p.writing > 0 {
		p.idle.Wait()
	}
	defer p.mu.Unlock()
	w := p.writes
	p.writes = nil
	return w
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	write := isWrite(r.Method)
	var rv string
	var body []byte
	if write && r.Body != nil {
		var err error
		body, err = io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rv = resourceVersionOf(body)
	}
	f := p.match(r, body)
	rec := &statusRecorder{ResponseWriter: w}
	if write {
		p.mu.Lock()
		p.writing++
		p.mu.Unlock()
		// Deferred: the reverse proxy panics with http.ErrAbortHandler
		// when the client goes away while the answer is being copied, and
		// the write must still be recorded and counted as answered, or
		// Writes would wait for it forever.
		defer func() {
			p.mu.Lock()
			p.writes = append(p.writes, Write{Method: r.Method, Path: r.URL.Path, ResourceVersion: rv, At: start,
				Status: rec.status, Faulted: f != nil && (f.Status != 0 || f.Drop || f.LoseAnswer), Tag: r.Header.Get(TagHeader)})
			if p.writing--; p.writing == 0 {
				p.idle.Broadcast()
			}
			p.mu.Unlock()
		}()
	}
	p.serve(rec, r, f)
}

// serve answers r: with f's fault, or from the API server.
func (p *Proxy) serve(w *statusRecorder, r *http.Request, f *Fault) {
	if f != nil {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case f.Drop:
			dropConnection(w.ResponseWriter)
			return
		case f.LoseAnswer:
			answer := httptest.NewRecorder()
			p.proxy.ServeHTTP(answer, r)
			w.status = answer.Code
			dropConnection(w.ResponseWriter)
			return
		case f.Status != 0:
			writeStatus(w, f.Status, f.RetryAfter)
			return
		}
	}
	p.proxy.ServeHTTP(w, r)
}

// statusRecorder remembers the status of the answer it passes on; 0 when
// there was none (a dropped connection).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush passes on flushes, for watches.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// match reports the first fault that applies to r, counting it.
func (p *Proxy) match(r *http.Request, body []byte) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if f.applies(r.Method, body) {
			return f
		}
	}
	return nil
}

// applies reports whether f affects a request, counting it when it
// matches f's method and body. The proxy's mutex is held.
func (f *Fault) applies(method string, body []byte) bool {
	if !f.matches(method) || (f.BodyContains != "" && !bytes.Contains(body, []byte(f.BodyContains))) {
		return false
	}
	f.seen++
	if f.Every > 1 && f.seen%f.Every != 0 {
		return false
	}
	if f.Count > 0 {
		affected := f.seen
		if f.Every > 1 {
			affected = f.seen / f.Every
		}
		if affected > f.Count {
			return false
		}
	}
	return true
}

func (f *Fault) matches(method string) bool {
	if len(f.Methods) == 0 {
		return isWrite(method)
	}
	for _, m := range f.Methods {
		if m == method {
			return true
		}
	}
	return false
}

// roundTrip passes a request on to the API server running now, with its
// credentials.
func (p *Proxy) roundTrip(r *http.Request) (*http.Response, error) {
	cfg := p.env.Config()
	p.mu.Lock()
	rt, ok := p.transports[cfg.Host]
	p.mu.Unlock()
	if !ok {
		var err error
		if rt, err = rest.TransportFor(cfg); err != nil {
			return nil, err
		}
		p.mu.Lock()
		p.transports[cfg.Host] = rt
		p.mu.Unlock()
	}
	return rt.RoundTrip(r)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func isWrite(method string) bool {
	switch method {
	case http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func resourceVersionOf(body []byte) string {
	var obj struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(body, &obj)
	return obj.Metadata.ResourceVersion
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// writeStatus answers as the API server does: a Kubernetes Status object
// with the code's reason.
func writeStatus(w http.ResponseWriter, code, retryAfter int) {
	gr := schema.GroupResource{Group: "conflict-gen.test", Resource: "injected"}
	cause := errors.New("injected by the test proxy")
	var err *apierrors.StatusError
	switch code {
	case http.StatusConflict:
		err = apierrors.NewConflict(gr, "injected", cause)
	case http.StatusTooManyRequests:
		err = apierrors.NewTooManyRequests(cause.Error(), retryAfter)
	case http.StatusServiceUnavailable:
		err = apierrors.NewServiceUnavailable(cause.Error())
	case http.StatusForbidden:
		// As controller-runtime's admission.Denied reaches the client.
		err = apierrors.NewForbidden(gr, "injected",
			errors.New(`admission webhook "deny.conflict-gen.test" denied the request: injected by the test proxy`))
	default:
		err = apierrors.NewGenericServerResponse(code, "", gr, "injected", cause.Error(), 0, true)
	}
	status := err.ErrStatus
	status.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}

// Succeeded reports whether the API server accepted the write.
func (w Write) Succeeded() bool { return w.Status >= 200 && w.Status < 300 }
