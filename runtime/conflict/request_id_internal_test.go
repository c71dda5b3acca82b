package conflict

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The log keeps at most RequestLogSize entries, none older than
// RequestLogTTL, newest last; entries it cannot read are dropped.
func TestRecordRequestBoundsTheLog(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	var log string
	for i := range RequestLogSize + 10 {
		log = recordRequest(log, fmt.Sprintf("id-%d", i), now)
	}
	entries := strings.Fields(log)
	if len(entries) != RequestLogSize {
		t.Fatalf("%d entries, want %d", len(entries), RequestLogSize)
	}
	if !strings.HasPrefix(entries[0], "id-10@") || !strings.HasPrefix(entries[len(entries)-1], fmt.Sprintf("id-%d@", RequestLogSize+9)) {
		t.Errorf("entries %s ... %s: want the newest %d", entries[0], entries[len(entries)-1], RequestLogSize)
	}
	if len(log) > RequestLogSize*(len("id-99@")+11) {
		t.Errorf("log is %d bytes", len(log))
	}

	old := recordRequest("", "old", now.Add(-RequestLogTTL-time.Second))
	log = recordRequest(old+" garbage bad@x", "new", now)
	if log != fmt.Sprintf("new@%d", now.Unix()) {
		t.Errorf("log = %q, want only the new entry (expired and unreadable dropped)", log)
	}
	if requestLogged(map[string]string{RequestLogAnnotation: old}, "old") != true {
		t.Error("an entry not yet pruned still counts")
	}
}

// A request retried after its entry expired is applied again: the log is
// pruned when the next request is recorded.
func TestExpiredRequestIsNoLongerLogged(t *testing.T) {
	now := time.Unix(2_000_000, 0)
	log := recordRequest("", "r", now.Add(-RequestLogTTL-time.Minute))
	log = recordRequest(log, "other", now)
	if requestLogged(map[string]string{RequestLogAnnotation: log}, "r") {
		t.Errorf("log %q still holds the expired request", log)
	}
}

// The n-th write of a request to one object has an ID of its own, which
// stays within the runtime's limits also for the longest IDs; writes to
// other objects do not move the count.
func TestNthRequestID(t *testing.T) {
	r := &contextRequestID{id: "req"}
	a := objectRef{key: client.ObjectKey{Name: "a"}}
	b := objectRef{key: client.ObjectKey{Name: "b"}}
	next := func(obj objectRef) string {
		id, derived := r.next(obj)
		if derived != (id != "req") {
			t.Errorf("%q: derived %v", id, derived)
		}
		return id
	}
	got := []string{next(a), next(b), next(a), next(a), next(b)}
	want := []string{"req", "req", "req#2", "req#3", "req#2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("IDs %v, want %v", got, want)
	}
	long := strings.Repeat("x", maxRequestIDLen)
	for _, id := range []string{nthRequestID(long, 2), nthRequestID(long, 1000)} {
		base, _, _ := strings.Cut(id, derivedIDSeparator)
		if err := checkRequestID(base); err != nil || len(id) > maxRequestIDLen || strings.HasPrefix(id, "xxx") {
			t.Errorf("%q: %v; want a hashed ID within %d bytes", id, err, maxRequestIDLen)
		}
	}
	if nthRequestID(long, 2) == nthRequestID(long[1:], 2) {
		t.Error("two long IDs derive the same ID")
	}
}
