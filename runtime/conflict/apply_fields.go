package conflict

import (
	"bytes"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// This file holds the owned-fields rule of Apply, written once: an apply
// carries the fields its field manager owned before (its Apply entry in
// managedFields, for the subresource written) plus the fields the
// mutations set or changed, with the values of the mutated object (list
// elements with their keys); a field it owned that a mutation cleared is
// left out, so that the server removes it unless another manager owns it;
// nothing else, so that no zero value of a field nobody set is sent.

// applyDelta is what one mutate did to an object's fields.
type applyDelta struct {
	// values holds the changed fields with their new values, list
	// elements with their keys.
	values *typed.TypedValue
	// changed are the leaf fields mutate set or changed.
	changed *fieldpath.Set
	// removed are the fields mutate cleared: leaves, or a list element
	// that went away whole.
	removed *fieldpath.Set
}

// empty reports whether mutate changed nothing.
func (d applyDelta) empty() bool {
	return d.changed.Empty() && d.removed.Empty()
}

// statusFields names the status of an object, which an apply to the
// object (not its status subresource) does not write.
var statusFields = fieldpath.NewSet(fieldpath.MakePathOrDie("status"))

// without is d without the fields of paths and those under them.
func (d applyDelta) without(paths *fieldpath.Set) applyDelta {
	return applyDelta{
		values:  d.values.RemoveItems(paths),
		changed: d.changed.RecursiveDifference(paths),
		removed: d.removed.RecursiveDifference(paths),
	}
}

// delta compares an object before and after its mutation.
func delta(before, after *typed.TypedValue) (applyDelta, error) {
	cmp, err := before.Compare(after)
	if err != nil {
		return applyDelta{}, fmt.Errorf("comparing the object before and after mutate: %w", err)
	}
	changed := cmp.Added.Union(cmp.Modified).Leaves()
	d := applyDelta{values: extract(after, changed), changed: changed, removed: fieldpath.NewSet()}
	if !cmp.Removed.Empty() {
		// The whole object's field set is costly (it walks every field):
		// only a removal needs it.
		present, err := after.ToFieldSet()
		if err != nil {
			return applyDelta{}, err
		}
		d.removed = wholeElements(cmp.Removed.Leaves(), present)
	}
	return d, nil
}

// extract is tv.ExtractItems(items, typed.WithAppendKeyFields()) for
// items that tv holds: the items with the key fields of the list elements
// on their paths. The library's option computes the field set of all of
// tv to learn which items it holds, which costs more than the rest of an
// apply's client-side work on an object of many list elements; the key
// fields of an element tv does not hold extract nothing. For an item tv
// does not hold in an element it does hold, the element comes out with
// its keys only: applyConfig drops such items first.
func extract(tv *typed.TypedValue, items *fieldpath.Set) *typed.TypedValue {
	keys := fieldpath.NewSet()
	items.Iterate(func(p fieldpath.Path) {
		for i, pe := range p {
			if pe.Key == nil {
				continue
			}
			for _, k := range *pe.Key {
				name := k.Name
				keys.Insert(append(p[:i+1:i+1], fieldpath.PathElement{FieldName: &name}))
			}
		}
	})
	return tv.ExtractItems(items.Union(keys))
}

// wholeElements replaces the removed leaves of a list element that is
// gone from present by the element itself: the element is what a removal
// must take out, or a hollow element without its key would remain.
func wholeElements(removed, present *fieldpath.Set) *fieldpath.Set {
	out := fieldpath.NewSet()
	removed.Iterate(func(p fieldpath.Path) {
		end := len(p)
		for i, pe := range p {
			if pe.FieldName == nil && !present.Has(p[:i+1]) {
				end = i + 1
				break
			}
		}
		out.Insert(append(fieldpath.Path(nil), p[:end]...))
	})
	return out
}

// splitRemoved sorts the fields a mutate cleared by who owns them. mine
// are the fields this manager owns (its Apply and Update entries), others
// the fields any other entry owns. It returns the removals an apply makes
// (fields mine owns exactly, or whole through an atomic ancestor: leaving
// them out removes them) and the paths of the fields that others own
// (which an apply cannot clear: ErrNotOwned), unless they sit inside a
// list element mine owns. An ancestor mine owns with nothing of it listed
// below is atomic only when no other manager owns a field under it: a
// struct this manager applied empty ({}) is no atomic value, and another
// manager's field in it is not this manager's to clear.
//
// Every other cleared field is no change: a field nobody owns holds a
// value the API server set (a default such as a container's
// terminationMessagePath), and one inside a list element this manager
// owns without owning the field itself is another writer's or a default.
// Leaving either out of an apply changes nothing on the server, so a
// mutate that builds a struct from scratch without them is not refused
// for them, and they do not make a no-op apply look like a change.
func splitRemoved(removed, mine, others *fieldpath.Set) (removals *fieldpath.Set, notOwned []string) {
	removals = fieldpath.NewSet()
	removed.Iterate(func(p fieldpath.Path) {
		switch {
		case mine.Has(p), ownsWhole(mine, p) && !covered(others, p):
			removals.Insert(p)
		case inOwnedElement(mine, p):
			// Another writer's field or a default in an element of mine.
		case covered(others, p):
			notOwned = append(notOwned, p.String())
		}
	})
	return removals, notOwned
}

// ownsWhole reports whether s holds p, or an ancestor of p with nothing
// of it listed below (an atomic value, owned whole).
func ownsWhole(s *fieldpath.Set, p fieldpath.Path) bool {
	if s.Has(p) {
		return true
	}
	below := s
	for i := 0; i < len(p)-1; i++ {
		below = below.WithPrefix(p[i])
		if s.Has(p[:i+1]) && below.Empty() {
			return true
		}
	}
	return false
}

// inOwnedElement reports whether a list element on p's way (p itself
// excluded) is in s.
func inOwnedElement(s *fieldpath.Set, p fieldpath.Path) bool {
	for i := 0; i < len(p)-1; i++ {
		if p[i].FieldName == nil && s.Has(p[:i+1]) {
			return true
		}
	}
	return false
}

// covered reports whether p or one of its ancestors is in s.
func covered(s *fieldpath.Set, p fieldpath.Path) bool {
	for i := len(p); i > 0; i-- {
		if s.Has(p[:i]) {
			return true
		}
	}
	return false
}

// othersFields is the union of the field sets of every managedFields entry
// that ownedFields(managed, owner, sub, true) does not count.
func othersFields(managed []metav1.ManagedFieldsEntry, owner, sub string) (*fieldpath.Set, error) {
	return fieldsOf(managed, func(e metav1.ManagedFieldsEntry) bool { return !ownedEntry(e, owner, sub, true) })
}

// ownedFields is the union of the field sets that managedFields gives to
// manager owner for subresource sub ("" or "status") through Apply, and
// through Update as well when withUpdates is set (fields the first apply
// migrates to the Apply entry).
func ownedFields(managed []metav1.ManagedFieldsEntry, owner, sub string, withUpdates bool) (*fieldpath.Set, error) {
	return fieldsOf(managed, func(e metav1.ManagedFieldsEntry) bool { return ownedEntry(e, owner, sub, withUpdates) })
}

// ownedEntry reports whether e is manager owner's for subresource sub,
// through Apply, or through Update as well when withUpdates is set.
func ownedEntry(e metav1.ManagedFieldsEntry, owner, sub string, withUpdates bool) bool {
	return e.Manager == owner && e.Subresource == sub && (e.Operation == metav1.ManagedFieldsOperationApply ||
		withUpdates && e.Operation == metav1.ManagedFieldsOperationUpdate)
}

// fieldsOf is the union of the field sets of the managedFields entries
// that keep reports.
func fieldsOf(managed []metav1.ManagedFieldsEntry, keep func(metav1.ManagedFieldsEntry) bool) (*fieldpath.Set, error) {
	out := fieldpath.NewSet()
	for _, e := range managed {
		if e.FieldsV1 == nil || !keep(e) {
			continue
		}
		var s fieldpath.Set
		if err := s.FromJSON(bytes.NewReader(e.FieldsV1.Raw)); err != nil {
			return nil, fmt.Errorf("managedFields of %q: %w", e.Manager, err)
		}
		out = out.Union(&s)
	}
	return out, nil
}

// applyConfig is what to apply to cur, whose fields owned are this
// manager's: its owned fields, with the deltas applied in order. same
// reports that it equals what cur holds for those fields and for the
// fields the deltas removed: applying it would change nothing.
func applyConfig(cur *typed.TypedValue, owned *fieldpath.Set, deltas []applyDelta) (config *typed.TypedValue, same bool, err error) {
	working := cur
	fields := owned.Leaves()
	removed := fieldpath.NewSet()
	for _, d := range deltas {
		if !d.changed.Empty() {
			if working, err = working.Merge(d.values); err != nil {
				return nil, false, fmt.Errorf("merging a mutation into the fields to apply: %w", err)
			}
		}
		if !d.removed.Empty() {
			working = working.RemoveItems(d.removed)
		}
		fields = fields.Union(d.changed).RecursiveDifference(d.removed)
		removed = removed.Union(d.removed)
	}
	// Only leaves and list elements are applied: a struct, map or list
	// that a managedFields entry names as a member (".") is not sent
	// whole, or the elements of other managers in it would be taken.
	// Of those, the ones working holds. A struct or map the manager
	// named as a leaf that working holds filled is no leaf of working's
	// field set: it is kept as an empty node (keepNodes), not sent whole.
	fields = fields.Leaves()
	present, err := working.ToFieldSet()
	if err != nil {
		return nil, false, err
	}
	nodes := filled(fields, present)
	fields = fields.Intersection(present)
	config = extract(working, fields)
	// Where cur lacks a field config holds, before may hold its element
	// with the keys only: the two differ either way.
	before := extract(cur, fields)
	cmp, err := before.Compare(config)
	if err != nil {
		return nil, false, err
	}
	if config, err = keepNodes(config, nodes); err != nil {
		return nil, false, err
	}
	if !cmp.IsSame() || removed.Empty() {
		return config, cmp.IsSame(), nil
	}
	// A removed list element is not extracted from cur to compare: the
	// library extracts an element named whole as null. Whether cur still
	// holds what was removed is what matters.
	held, err := cur.ToFieldSet()
	if err != nil {
		return nil, false, err
	}
	same = true
	removed.Iterate(func(p fieldpath.Path) { same = same && !held.Has(p) })
	return config, same, nil
}

// filled lists the paths of fields that present does not hold as a leaf
// but holds fields under: a struct or map the manager applied empty (a
// zero struct of the object ApplyX created, such as a StatefulSet's
// updateStrategy) that the API server or another manager filled since.
func filled(fields, present *fieldpath.Set) []fieldpath.Path {
	var out []fieldpath.Path
	fields.Iterate(func(p fieldpath.Path) {
		if present.Has(p) {
			return
		}
		below := present
		for _, pe := range p {
			below = below.WithPrefix(pe)
		}
		if !below.Empty() {
			out = append(out, p.Copy())
		}
	})
	return out
}

// keepNodes adds to config an empty value at each of nodes, so that the
// apply keeps owning them: an apply without one would drop the manager's
// ownership of it (a change to managedFields, a write that wakes every
// watcher), and applying {} to a filled struct or map changes none of
// its fields. A path through a list element other than a keyed one is
// left out (no such node is ever applied empty).
func keepNodes(config *typed.TypedValue, nodes []fieldpath.Path) (*typed.TypedValue, error) {
	for _, p := range nodes {
		u, ok := emptyAt(p)
		if !ok {
			continue
		}
		hollow, err := typed.AsTyped(value.NewValueInterface(u), config.Schema(), config.TypeRef())
		if err != nil {
			return nil, fmt.Errorf("keeping %s in the apply: %w", p, err)
		}
		if config, err = config.Merge(hollow); err != nil {
			return nil, fmt.Errorf("keeping %s in the apply: %w", p, err)
		}
	}
	return config, nil
}

// emptyAt is the unstructured object that holds an empty map at p and
// nothing else but the keys of the list elements on the way.
func emptyAt(p fieldpath.Path) (map[string]any, bool) {
	var v any = map[string]any{}
	for i := len(p) - 1; i >= 0; i-- {
		switch pe := p[i]; {
		case pe.FieldName != nil:
			v = map[string]any{*pe.FieldName: v}
		case pe.Key != nil:
			elem, _ := v.(map[string]any)
			for _, f := range *pe.Key {
				elem[f.Name] = f.Value.Unstructured()
			}
			v = []any{elem}
		default:
			return nil, false
		}
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// pruneNulls is a copy of u, the unstructured form of an extracted
// configuration, without its null values and the maps left empty by
// dropping them: a field an apply does not set must be absent, never
// null. u itself is left as it is: it is the configuration's own value,
// which the state keeps to compare the next apply with.
func pruneNulls(u map[string]any) map[string]any {
	out := make(map[string]any, len(u))
	for k, v := range u {
		switch x := v.(type) {
		case nil:
		case map[string]any:
			if m := pruneNulls(x); len(x) == 0 || len(m) > 0 {
				out[k] = m
			}
		case []any:
			list := make([]any, len(x))
			for i, e := range x {
				if m, ok := e.(map[string]any); ok {
					e = pruneNulls(m)
				}
				list[i] = e
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	return out
}
