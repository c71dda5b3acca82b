package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	"github.com/conflict-gen/conflict-gen/runtime/conflict"
	"github.com/conflict-gen/conflict-gen/test/harness"
)

// This file counts what the lost-answers scenario's servers applied: for
// each request, how many times and when, from the writes the proxy saw the
// API server store or from the request logs the Groups hold; and checks
// that the count adds up to the increments the Groups hold.

// applications holds, for each request ID, the seed's minute in which
// each of its applications was sent, in order (unknownMinute where the
// count cannot tell).
type applications map[string][]int64

const unknownMinute = -1

// sendTag is the tag of a call for request id sent in the seed's minute.
func sendTag(id string, minute int64) string {
	return id + "@" + strconv.FormatInt(minute, 10)
}

// parseSendTag is the reverse of sendTag.
func parseSendTag(tag string) (id string, minute int64, err error) {
	id, m, ok := strings.Cut(tag, "@")
	if !ok {
		return "", 0, fmt.Errorf("malformed tag %q", tag)
	}
	minute, err = strconv.ParseInt(m, 10, 64)
	return id, minute, err
}

// countStoredWrites counts, for each request, the writes the API server
// stored on its behalf (the answer lost or not), by the tag its handler's
// client put on them, in the order they were answered (a request's
// attempts follow one another). It fits a handler whose every write is
// for one request.
func countStoredWrites(_ context.Context, _ client.Client, _ []string, writes []harness.Write) (applications, error) {
	applied := applications{}
	for _, w := range writes {
		if !w.Succeeded() || w.Tag == "" {
			continue
		}
		id, minute, err := parseSendTag(w.Tag)
		if err != nil {
			return nil, err
		}
		applied[id] = append(applied[id], minute)
	}
	return applied, nil
}

// countRequestLog counts, for each request, the entries of its ID in the
// Groups' request logs: one per time the request was applied, since an ID
// goes into the write that applies it. Several requests combined into one
// write are each counted. The log does not say in which minute.
func countRequestLog(ctx context.Context, c client.Client, groups []string, _ []harness.Write) (applications, error) {
	applied := applications{}
	for _, name := range groups {
		g := &infrav1alpha1.Group{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, g); err != nil {
			return nil, err
		}
		entries, err := requestLogEntries(g)
		if err != nil {
			return nil, err
		}
		for _, id := range entries {
			applied[id] = append(applied[id], unknownMinute)
		}
	}
	return applied, nil
}

// requestLogEntries returns the request IDs in g's request log, one per
// entry, as the runtime documents the log: "<id>@<unix seconds>"
// separated by spaces. A full log may have dropped entries, so counting
// from it could miss applications: that is an error.
func requestLogEntries(g *infrav1alpha1.Group) ([]string, error) {
	entries := strings.Fields(g.GetAnnotations()[conflict.RequestLogAnnotation])
	if len(entries) >= conflict.RequestLogSize {
		return nil, fmt.Errorf("group %s: the request log is full (%d entries), it may have dropped some: send fewer requests per Group",
			g.Name, len(entries))
	}
	ids := make([]string, len(entries))
	for i, entry := range entries {
		id, _, ok := strings.Cut(entry, "@")
		if !ok {
			return nil, fmt.Errorf("group %s: malformed request log entry %q", g.Name, entry)
		}
		ids[i] = id
	}
	return ids, nil
}

// tally fills in row from the Groups and from applied: the increments the
// Groups hold (they are created at size 0); requests applied more than once (and of those, repeats sent
// within the minute of the first application); requests never applied,
// although every client was told its requests succeeded. It fails if the
// applications counted are not the increments held, or name a request
// nobody sent.
func tally(ctx context.Context, c client.Client, groups []string, requests [][]request, applied applications, row *lostAnswersRow) error {
	for _, name := range groups {
		g := &infrav1alpha1.Group{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, g); err != nil {
			return err
		}
		row.Applied += int(g.Spec.TargetSize)
	}
	requested := map[string]bool{}
	for _, rs := range requests {
		for _, r := range rs {
			requested[r.id] = true
		}
	}
	row.Requested = len(requested)
	counted := 0
	for id, minutes := range applied {
		if !requested[id] {
			return fmt.Errorf("applied %d times for a request nobody sent: %q", len(minutes), id)
		}
		counted += len(minutes)
	}
	if counted != row.Applied {
		return fmt.Errorf("the Groups hold %d increments but %d applications were counted", row.Applied, counted)
	}
	for id := range requested {
		minutes := applied[id]
		if len(minutes) == 0 {
			row.Dropped++
			continue
		}
		row.Duplicates += len(minutes) - 1
		for _, m := range minutes[1:] {
			if m != unknownMinute && m == minutes[0] {
				row.SameMinute++
			}
		}
	}
	return nil
}
