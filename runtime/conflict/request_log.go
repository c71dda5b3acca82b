package conflict

import (
	"errors"
	"maps"
	"slices"
	"time"
)

// This file decides where a call's request ID is kept. A write through
// the main resource stores metadata, so its log is the
// [RequestLogAnnotation] annotation; a write through /status stores only
// the status, so its log is the status field the kind names
// ([Kind.StatusRequestLog], from the +conflict:requestLog marker). Each
// operation checks and records its own log: an ID only ever suppresses
// the kind of write that recorded it.

// ErrNoStatusRequestLog is wrapped by the error of a status write given a
// request ID for a kind that names no status field to keep it in (no
// +conflict:requestLog marker). Nothing is read or written.
var ErrNoStatusRequestLog = errors.New("no status field keeps request IDs of status writes (mark the kind +conflict:requestLog=<Go field path>, e.g. Status.RequestLog)")

// logKeptInStatus reports whether the call's log is the status field.
func (cl *call[O, T]) logKeptInStatus() bool {
	return cl.operation == OperationUpdateStatus
}

// cannotKeepRequestID is why the call's write cannot record a request ID,
// or nil.
func (cl *call[O, T]) cannotKeepRequestID() error {
	if cl.logKeptInStatus() && cl.kind.StatusRequestLog == nil {
		return ErrNoStatusRequestLog
	}
	return nil
}

// requestLogged reports whether obj's log for the call's write holds the
// call's request ID.
func (cl *call[O, T]) requestLogged(obj T) bool {
	if cl.logKeptInStatus() {
		return logHolds(slices.Values(*cl.kind.StatusRequestLog(obj)), cl.requestID)
	}
	return requestLogged(obj.GetAnnotations(), cl.requestID)
}

// keepRequestLog gives working the log of base for the call's write, in
// every call, with a request ID or not: the log is the runtime's, and
// neither a mutate (a reconciler that builds the status afresh, or sets
// the annotations it wants) nor a merge (one that takes the caller's whole
// status, with the log as the caller read it) may drop the IDs that
// requests recorded, or a retry of one would be applied again.
func (cl *call[O, T]) keepRequestLog(base, working T) {
	if cl.logKeptInStatus() {
		if cl.kind.StatusRequestLog != nil {
			*cl.kind.StatusRequestLog(working) = slices.Clone(*cl.kind.StatusRequestLog(base))
		}
		return
	}
	log, logged := base.GetAnnotations()[RequestLogAnnotation]
	if current, ok := working.GetAnnotations()[RequestLogAnnotation]; ok == logged && current == log {
		return
	}
	annotations := make(map[string]string, len(working.GetAnnotations())+1)
	maps.Copy(annotations, working.GetAnnotations())
	if logged {
		annotations[RequestLogAnnotation] = log
	} else {
		delete(annotations, RequestLogAnnotation)
	}
	working.SetAnnotations(annotations)
}

// recordRequest records the call's request ID at now in obj's log for
// the call's write, in new memory: obj may share its log with the object
// it was copied from.
func (cl *call[O, T]) recordRequest(obj T, now time.Time) {
	if cl.logKeptInStatus() {
		log := cl.kind.StatusRequestLog(obj)
		*log = appendRequest(*log, cl.requestID, now)
		return
	}
	annotations := make(map[string]string, len(obj.GetAnnotations())+1)
	maps.Copy(annotations, obj.GetAnnotations())
	annotations[RequestLogAnnotation] = recordRequest(annotations[RequestLogAnnotation], cl.requestID, now)
	obj.SetAnnotations(annotations)
}
