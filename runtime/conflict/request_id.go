package conflict

import (
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"
)

// This file keeps request IDs in the object itself, so that a request
// retried after its answer was lost (the write landed, the caller did not
// hear) is not applied twice: the ID goes into the same write as the
// mutation, and a later call with the same ID finds it on the object it
// starts from. Kept in the object, the log survives restarts and is shared
// by every replica; bounded, it stays small.

// RequestLogAnnotation is the annotation that holds the request IDs of the
// writes made through the main resource with [WithRequestID]: entries
// "<id>@<unix seconds>" separated by spaces, oldest first.
const RequestLogAnnotation = "conflict-gen.io/request-log"

// The request log's bounds: an entry is dropped once it is older than
// RequestLogTTL or more than RequestLogSize newer entries follow it. A
// request retried after its entry was dropped is applied again.
const (
	RequestLogTTL  = 15 * time.Minute
	RequestLogSize = 64
)

// maxRequestIDLen bounds a request ID: a UUID is 36 bytes, one scoped by
// a caller's identity a few dozen more.
const maxRequestIDLen = 128

// ErrInvalidRequestID is wrapped by the error of a call whose request ID
// is empty, longer than 128 bytes, or holds a byte other than ASCII
// letters, digits and "-._:/". Nothing is read or written.
var ErrInvalidRequestID = errors.New("invalid request ID")

// WithRequestID makes the call exactly-once for id: if the object already
// records id, the request was applied before (its answer may have been
// lost), and the call succeeds without running mutate or writing, with obj
// holding the object as read. Otherwise id is recorded in the same write
// as the mutation, so the change and its ID land together or not at all.
// A mutate that changes nothing records nothing.
//
// IDs must be unguessable (a UUID per logical request, kept across the
// caller's retries): an ID only ever suppresses a request that carries it,
// on the object it names. Writes through the main resource keep the log in
// the [RequestLogAnnotation] annotation, bounded by [RequestLogTTL] and
// [RequestLogSize]. Status writes do not store metadata: they keep theirs
// in the status field that the kind's +conflict:requestLog marker names
// ([Kind.StatusRequestLog]), with the same entries and bounds; for a kind
// without it, UpdateStatus with a request ID fails at once with
// [ErrNoStatusRequestLog]. Without this option, the ID a server's
// interceptor put into the context with [ContextWithRequestID] is used.
func WithRequestID(id string) Option {
	return func(o *options) { o.requestID, o.hasRequestID = id, true }
}

// checkRequestID reports why id cannot be used, or nil.
func checkRequestID(id string) error {
	if id == "" || len(id) > maxRequestIDLen {
		return fmt.Errorf("%w: %d bytes (1 to %d)", ErrInvalidRequestID, len(id), maxRequestIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._:/", c) >= 0) {
			return fmt.Errorf("%w: byte %q at %d", ErrInvalidRequestID, c, i)
		}
	}
	return nil
}

// requestLogged reports whether the log in annotations holds id.
func requestLogged(annotations map[string]string, id string) bool {
	return logHolds(strings.FieldsSeq(annotations[RequestLogAnnotation]), id)
}

// logHolds reports whether the entries of a request log hold id.
func logHolds(entries iter.Seq[string], id string) bool {
	for entry := range entries {
		if logged, _, ok := strings.Cut(entry, "@"); ok && logged == id {
			return true
		}
	}
	return false
}

// recordRequest returns the log in log with id appended at now, without
// the entries that are out of its bounds.
func recordRequest(log, id string, now time.Time) string {
	return strings.Join(appendRequest(strings.Fields(log), id, now), " ")
}

// appendRequest returns a new list of the entries of a request log that
// are within its bounds, with id appended at now. Both logs, the
// annotation and the status field, are bounded by it.
func appendRequest(entries []string, id string, now time.Time) []string {
	kept := make([]string, 0, min(len(entries)+1, RequestLogSize))
	oldest := now.Add(-RequestLogTTL).Unix()
	for _, entry := range entries {
		_, at, ok := strings.Cut(entry, "@")
		if !ok {
			continue
		}
		if t, err := strconv.ParseInt(at, 10, 64); err != nil || t < oldest {
			continue
		}
		kept = append(kept, entry)
	}
	if len(kept) >= RequestLogSize {
		kept = kept[len(kept)-RequestLogSize+1:]
	}
	return append(kept, id+"@"+strconv.FormatInt(now.Unix(), 10))
}
