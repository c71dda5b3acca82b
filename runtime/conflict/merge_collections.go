package conflict

import (
	"fmt"
	"maps"
	"slices"
)

// MergeFunc merges the three versions of a struct field by field. conflict-gen
// generates one for every struct type reachable from a kind.
type MergeFunc[E any] func(m *Merger, name string, s Strategy, base, current, desired *E) E

// MergePtr merges a pointer to a struct. When all three are set it merges
// what they point to with merge; when one side added, removed or replaced
// the struct it follows the leaf rule, and a removal on one side with a
// change on the other is decided by s. The result points to a new struct.
func MergePtr[E any](m *Merger, name string, s Strategy, base, current, desired *E, merge MergeFunc[E]) *E {
	var v E
	switch {
	case current != nil && desired != nil && base != nil:
		v = merge(m, name, s, base, current, desired)
	case current != nil && desired != nil: // both added
		var zero E
		v = merge(m, name, s, &zero, current, desired)
	default:
		taken := mergeWhole(m, name, s, base, current, desired)
		if taken == nil {
			return nil
		}
		v = copyStruct(m, taken, merge)
	}
	return &v
}

// mergeWhole decides a pointer that at most one side still has.
func mergeWhole[E any](m *Merger, name string, s Strategy, base, current, desired *E) *E {
	switch {
	case desired == nil && base == nil: // we neither had nor want it
		return current
	case current == nil && base == nil: // we added it
		return desired
	case current == nil && desired == nil: // both removed
		return nil
	}
	// One side removed it: if the other side left it as it was, the removal
	// wins; otherwise removal and change conflict.
	eq := equal
	if current == nil && eq(desired, base) {
		return nil
	}
	if desired == nil && eq(current, base) {
		return nil
	}
	return resolve(m, name, s, base, current, desired)
}

// MergeMap merges a granular map of basic values key by key with the leaf
// rule. A key removed on one side and changed on the other is decided by
// s. The result is a new map.
func MergeMap[K comparable, V comparable](m *Merger, name string, s Strategy, base, current, desired map[K]V) map[K]V {
	if maps.Equal(desired, base) || maps.Equal(current, desired) {
		return maps.Clone(current)
	}
	if maps.Equal(current, base) {
		return maps.Clone(desired)
	}
	return mergeMapKeys(m, name, s, base, current, desired, func(a, b V) bool { return a == b }, CopyValue[V])
}

// MergeMapAtomic merges a granular map key by key, each value as one leaf
// compared with equal and copied with copy.
func MergeMapAtomic[K comparable, V any](m *Merger, name string, s Strategy, base, current, desired map[K]V, copy func(V) V) map[K]V {
	eq := func(a, b V) bool { return equal(a, b) }
	switch {
	case maps.EqualFunc(desired, base, eq) || maps.EqualFunc(current, desired, eq):
		return copyMapWith(current, copy)
	case maps.EqualFunc(current, base, eq):
		return copyMapWith(desired, copy)
	}
	return mergeMapKeys(m, name, s, base, current, desired, eq, copy)
}

func copyMapWith[K comparable, V any](in map[K]V, copy func(V) V) map[K]V {
	if in == nil {
		return nil
	}
	out := make(map[K]V, len(in))
	for k, v := range in {
		out[k] = copy(v)
	}
	return out
}

func mergeMapKeys[K comparable, V any](m *Merger, name string, s Strategy, base, current, desired map[K]V, eq func(a, b V) bool, copy func(V) V) map[K]V {
	out := make(map[K]V, len(current)+len(desired))
	mark := m.Mark()
	decide := func(k K) {
		b, inBase := base[k]
		c, inCurrent := current[k]
		d, inDesired := desired[k]
		same := func(x V, inX bool, y V, inY bool) bool { return inX == inY && (!inX || eq(x, y)) }
		var keep bool
		var v V
		switch {
		case same(d, inDesired, b, inBase) || same(c, inCurrent, d, inDesired):
			v, keep = c, inCurrent
		case same(c, inCurrent, b, inBase):
			v, keep = d, inDesired
		default:
			switch s {
			case Theirs:
				v, keep = c, inCurrent
			case Strict:
				m.conflict("["+mapKeyString(k)+"]", opt(b, inBase), opt(c, inCurrent), opt(d, inDesired))
				v, keep = c, inCurrent
			default:
				v, keep = d, inDesired
			}
		}
		if keep {
			out[k] = copy(v)
		}
	}
	for k := range current {
		decide(k)
	}
	for k := range desired {
		if _, done := current[k]; !done {
			decide(k)
		}
	}
	m.Under(mark, name)
	return out
}

// opt is the value of a map entry for a FieldConflict: nil when absent.
func opt[V any](v V, present bool) any {
	if !present {
		return nil
	}
	return v
}

// MergeSet merges a list of comparable elements as a set: what either side
// added is kept, what either side removed is gone. The order is current's,
// then desired's additions in desired's order. Sets do not conflict. The
// result is a new list; its elements are copied by assignment (sets hold
// scalars).
func MergeSet[E comparable](m *Merger, name string, base, current, desired []E) []E {
	if slices.Equal(desired, base) || slices.Equal(current, desired) {
		return slices.Clone(current)
	}
	if slices.Equal(current, base) {
		return slices.Clone(desired)
	}
	out := make([]E, 0, len(current)+len(desired))
	for _, e := range current {
		if slices.Contains(base, e) && !slices.Contains(desired, e) {
			continue // we removed it
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, e := range desired {
		if !slices.Contains(base, e) && !slices.Contains(out, e) {
			out = append(out, e) // we added it
		}
	}
	return out
}

// MergeListMap merges a list whose elements are identified by key fields
// (+listType=map with +listMapKey, patchMergeKey, conditions by type):
// element by element by key, each element with merge. Elements either
// side added are kept; an element one side removed is gone, unless the
// other side changed it, which s decides. The order is current's, then
// desired's additions in desired's order.
//
// keyName names the key field in conflict paths ("type" gives
// conditions[type=Ready]); it is empty for composite keys, whose key
// function renders a=1,b="x" itself (string values quoted, so that two
// different keys never render alike).
func MergeListMap[E any](m *Merger, name string, s Strategy, base, current, desired []E, keyName string, key func(*E) string, merge MergeFunc[E]) []E {
	mark := m.Mark()
	// Most merges keep the length of one side; append grows the rest.
	out := make([]E, 0, max(len(current), len(desired)))
	currentAsBase := sameKeys(base, current, key)
	if currentAsBase && sameKeys(base, desired, key) {
		// The common case, no element added, removed or moved: merge
		// element by element without looking keys up.
		for i := range base {
			v, _ := mergeKeyed(m, keyName, key(&base[i]), s, &base[i], &current[i], &desired[i], merge)
			out = append(out, v)
		}
	} else {
		out = mergeByKey(m, out, keyName, s, base, current, desired, currentAsBase, key, merge)
	}
	m.Under(mark, name)
	if len(out) == 0 && current == nil && desired == nil {
		return nil
	}
	return out
}

// mergeByKey appends to out the merged elements of lists whose keys
// differ, finding each element's versions by key. The order is that of
// the side that changed it: desired's when current still has base's keys
// in base's order (currentAsBase), else current's; then the other side's
// additions in its order.
func mergeByKey[E any](m *Merger, out []E, keyName string, s Strategy, base, current, desired []E, currentAsBase bool, key func(*E) string, merge MergeFunc[E]) []E {
	bi, ci, di := newIndex(base, key), newIndex(current, key), newIndex(desired, key)
	emit := func(k string) {
		if v, keep := mergeKeyed(m, keyName, k, s, bi.find(k), ci.find(k), di.find(k), merge); keep {
			out = append(out, v)
		}
	}
	primary, primaryIx, secondary := current, ci, desired
	if currentAsBase {
		primary, primaryIx, secondary = desired, di, current
	}
	for i := range primary {
		emit(key(&primary[i]))
	}
	for i := range secondary {
		if k := key(&secondary[i]); primaryIx.find(k) == nil {
			emit(k)
		}
	}
	return out
}

// mergeKeyed decides one element of a list map, given its versions (nil
// where a side does not have it), and reports whether it stays.
func mergeKeyed[E any](m *Merger, keyName, k string, s Strategy, b, c, d *E, merge MergeFunc[E]) (v E, keep bool) {
	switch {
	case c != nil && d != nil:
		if b == nil { // both added it
			b = new(E)
		}
		mark := m.Mark()
		v = merge(m, "", s, b, c, d)
		if m.Mark() > mark {
			m.Under(mark, elementPath(keyName, k))
		}
		return v, true
	case c != nil: // not in desired
		if b == nil { // they added it
			return copyStruct(m, c, merge), true
		}
		if equal(c, b) { // we removed it
			return v, false
		}
		return removedAndChanged(m, keyName, k, s, b, c, nil, merge)
	default: // not in current
		if b == nil { // we added it
			return copyStruct(m, d, merge), true
		}
		if equal(d, b) { // they removed it
			return v, false
		}
		return removedAndChanged(m, keyName, k, s, b, nil, d, merge)
	}
}

// sameKeys reports whether two lists have the same keys in the same order.
func sameKeys[E any](a, b []E, key func(*E) string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if key(&a[i]) != key(&b[i]) {
			return false
		}
	}
	return true
}

// removedAndChanged decides an element that one side removed and the
// other changed; nil c or d is the side that removed it.
func removedAndChanged[E any](m *Merger, keyName, k string, s Strategy, b, c, d *E, merge MergeFunc[E]) (E, bool) {
	win := d
	switch s {
	case Theirs:
		win = c
	case Strict:
		m.conflict(elementPath(keyName, k), *b, ptrOrNil(c), ptrOrNil(d))
		win = c
	}
	if win == nil {
		var zero E
		return zero, false
	}
	return copyStruct(m, win, merge), true
}

func ptrOrNil[E any](p *E) any {
	if p == nil {
		return nil
	}
	return *p
}

func elementPath(keyName, k string) string {
	if keyName == "" {
		return "[" + k + "]"
	}
	return "[" + keyName + "=" + k + "]"
}

// index finds list elements by key: by scanning for short lists, which is
// faster than a map and allocates nothing, and through a map for long ones.
type index[E any] struct {
	list  []E
	key   func(*E) string
	byKey map[string]int
}

const indexThreshold = 16

func newIndex[E any](list []E, key func(*E) string) index[E] {
	ix := index[E]{list: list, key: key}
	if len(list) > indexThreshold {
		ix.byKey = make(map[string]int, len(list))
		for i := range list {
			ix.byKey[key(&list[i])] = i
		}
	}
	return ix
}

func (ix index[E]) find(k string) *E {
	if ix.byKey != nil {
		if i, ok := ix.byKey[k]; ok {
			return &ix.list[i]
		}
		return nil
	}
	for i := range ix.list {
		if ix.key(&ix.list[i]) == k {
			return &ix.list[i]
		}
	}
	return nil
}

func mapKeyString[K comparable](k K) string {
	if s, ok := any(k).(string); ok {
		return s
	}
	return fmt.Sprint(k)
}

// AtomicElement merges the elements of a list map whose element type is
// atomic (+structType=atomic): each element is one leaf, found by key, and
// copied with its DeepCopyInto.
func AtomicElement[E any, P interface {
	*E
	DeepCopyInto(*E)
}](m *Merger, name string, s Strategy, base, current, desired *E) E {
	return *Atomic(m, name, s, base, current, desired, CopyPtrDeep[E, P])
}

// AtomicValueElement is AtomicElement for element types without a
// DeepCopyInto method; elements are copied by assignment.
func AtomicValueElement[E any](m *Merger, name string, s Strategy, base, current, desired *E) E {
	return *Atomic(m, name, s, base, current, desired, CopyPtr[E])
}

// MergeIntoFunc is MergeFunc for struct types that must not be copied by
// value (they hold a lock, as go vet's copylocks check sees it, such as a
// protobuf message's state): it fills *out instead of returning the
// merged value.
type MergeIntoFunc[E any] func(m *Merger, name string, s Strategy, base, current, desired, out *E)

// MergePtrInto is MergePtr for struct types that must not be copied by
// value: merge fills the new struct the result points to.
func MergePtrInto[E any](m *Merger, name string, s Strategy, base, current, desired *E, merge MergeIntoFunc[E]) *E {
	out := new(E)
	switch {
	case current != nil && desired != nil && base != nil:
		merge(m, name, s, base, current, desired, out)
	case current != nil && desired != nil: // both added
		merge(m, name, s, new(E), current, desired, out)
	default:
		taken := mergeWhole(m, name, s, base, current, desired)
		if taken == nil {
			return nil
		}
		// Merging a value with itself copies it field by field.
		merge(m, "", Ours, taken, taken, taken, out)
	}
	return out
}
