package conflict

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// This file carries a request ID in a context, so that a server's
// interceptor can set it once per request and every helper the handler
// calls finds it without an option.

type requestIDKey struct{}

// contextRequestID is the request ID of a context and the count of the
// helper calls that took it, per object: the two-writes rule of
// [ContextWithRequestID].
type contextRequestID struct {
	id string

	mu     sync.Mutex
	writes map[objectRef]int
}

// objectRef names an object for the count of writes to it.
type objectRef struct {
	kind schema.GroupKind
	key  client.ObjectKey
}

// ContextWithRequestID returns a copy of ctx that carries the request ID
// id for one request: Update, CreateOrUpdate and UpdateFrom called with it
// (and their generated wrappers) behave as with [WithRequestID] unless
// they are given that option, which wins. A malformed id fails those
// calls with [ErrInvalidRequestID]. UpdateStatus and UpdateStatusFrom
// take it for a kind whose status keeps a request log
// ([Kind.StatusRequestLog]); for a kind without one, where a status write
// cannot record it, they run as without an ID, as Apply and ApplyStatus
// (idempotent, they record none) always do.
//
// The context stands for one request. A handler may make several writes
// to the same object within it (say, an increase and then a label): were
// they all to record id, the second would find id recorded by the first
// and be taken for a retry of it, and silently skipped. So the n-th call
// of the request for an object uses id for n = 1 and id + "/n" after
// (a hash of id + "/n" when that would be too long): a retry of the
// request, given the same id, makes the same calls in the same order and
// finds each one's own ID. The rule asks of a handler that it makes its
// writes to one object in the same order on every attempt; one that does
// not (a write it makes only on some attempts, or writes to one object
// from goroutines racing each other) gives each write its own ID with
// [WithRequestID]. Every call for the object counts, also one that fails
// or finds nothing to write. Calls for different objects do not affect
// each other's IDs.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, &contextRequestID{id: id})
}

// RequestIDFromContext returns the request ID that [ContextWithRequestID]
// put into ctx.
func RequestIDFromContext(ctx context.Context) (string, bool) {
	r, ok := ctx.Value(requestIDKey{}).(*contextRequestID)
	if !ok {
		return "", false
	}
	return r.id, true
}

// takeRequestID gives cl the request ID of its context, unless it has
// one of its own or its write cannot record it: an apply (idempotent, it
// records none) and a status write of a kind without a status request
// log run as without an ID, and do not count for the two-writes rule
// (given one explicitly, they fail; carried by the context, the ID is the
// server's, for every write of the request, and must not fail the writes
// that cannot keep it).
func (cl *call[O, T]) takeRequestID(ctx context.Context) {
	if cl.hasRequestID || cl.cannotKeepRequestID() != nil {
		return
	}
	if cl.operation == OperationApply || cl.operation == OperationApplyStatus {
		return // an apply is idempotent and records none
	}
	r, ok := ctx.Value(requestIDKey{}).(*contextRequestID)
	if !ok {
		return
	}
	cl.requestID, cl.derivedRequestID = r.next(cl.ref())
	cl.hasRequestID = true
}

// next counts a call for obj and returns the ID it uses, and whether the
// runtime derived it. A malformed id is returned as it is, for the call
// to refuse.
func (r *contextRequestID) next(obj objectRef) (string, bool) {
	r.mu.Lock()
	if r.writes == nil {
		r.writes = map[objectRef]int{}
	}
	r.writes[obj]++
	n := r.writes[obj]
	r.mu.Unlock()
	if n == 1 || checkRequestID(r.id) != nil {
		return r.id, false
	}
	return nthRequestID(r.id, n), true
}

// derivedIDSeparator joins a request's ID and the number of its write to
// one object. Caller IDs cannot hold it, so a derived ID never equals the
// ID of another request: were it "/", request "a" writing an object twice
// would record "a/2", and a request whose own ID is "a/2" (IDs such as
// "batch-5/2" are common) would be taken for its duplicate and skipped.
const derivedIDSeparator = "#"

// nthRequestID is the ID of the n-th write (n > 1) of request id to one
// object: id + "#n", or, when that would be too long, the first 32 hex
// digits of id's SHA-256 + "#n".
func nthRequestID(id string, n int) string {
	suffix := derivedIDSeparator + strconv.Itoa(n)
	if len(id)+len(suffix) > maxRequestIDLen {
		sum := sha256.Sum256([]byte(id))
		id = hex.EncodeToString(sum[:16])
	}
	return id + suffix
}

// ValidateRequestID reports why id cannot be a request ID (wrapping
// [ErrInvalidRequestID]), or nil: for a server to refuse a request before
// its handler runs.
func ValidateRequestID(id string) error { return checkRequestID(id) }
