package conflict

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// This file holds the leaves of the three-way merge that generated MergeX
// functions are made of. Every function takes the three versions of one
// value, base (what the caller read), current (what the server has now)
// and desired (what the caller wants), and applies the leaf rule:
//
//   - desired equals base: the caller did not change it; take current;
//   - current equals base, or equals desired: take desired;
//   - otherwise both sides changed it, and the Strategy decides.
//
// Every function copies what it takes whole from an input (see
// merge_copy.go), so a merged object shares no memory with the three it
// was merged from.

// Strategy decides a value that both sides changed.
type Strategy uint8

// The strategies of +conflict:merge that apply to leaves. (atomic, union
// and conditions choose how a value is merged, not who wins, and are
// decided when the code is generated.)
const (
	// Ours takes desired: the caller's change wins. The default.
	Ours Strategy = iota
	// Theirs takes current: the concurrent writer's change wins.
	Theirs
	// Strict reports the field in a *MergeError.
	Strict
	// Max takes the larger of current and desired.
	Max
	// Min takes the smaller of current and desired.
	Min
)

var strategyNames = [...]string{Ours: "ours", Theirs: "theirs", Strict: "strict", Max: "max", Min: "min"}

// String returns the marker's name for s.
func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", s)
}

// FieldConflict is a field that both sides changed, to different values,
// under the Strict strategy.
type FieldConflict struct {
	// Path is the field's JSON path, e.g. spec.desiredPowerState or
	// status.conditions[type=Ready].status.
	Path string
	// Base, Current and Desired are the three versions of the value.
	Base, Current, Desired any
}

// MergeError reports the fields a three-way merge could not resolve. A
// helper that gets one writes nothing.
type MergeError struct {
	// Conflicts lists every unresolved field, in the order of the object's
	// fields.
	Conflicts []FieldConflict
}

// Error lists the fields with their three values.
func (e *MergeError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		parts[i] = fmt.Sprintf("%s (base %s, current %s, desired %s)", c.Path, show(c.Base), show(c.Current), show(c.Desired))
	}
	return "merge conflict on " + strings.Join(parts, ", ")
}

func show(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%v", derefAny(v))
}

// Merger collects the conflicts of one merge. Paths are built only when a
// conflict is found: a merge without conflicts builds no strings.
type Merger struct {
	conflicts []FieldConflict
}

// Err returns a *MergeError if any field conflicted, else nil.
func (m *Merger) Err() error {
	if len(m.conflicts) == 0 {
		return nil
	}
	return &MergeError{Conflicts: m.conflicts}
}

// Mark returns a position in the list of conflicts, for Under.
func (m *Merger) Mark() int { return len(m.conflicts) }

// Under prefixes name to the paths of the conflicts found since mark: the
// generated merge of a struct calls it for the field that holds the
// struct. An empty name (an inline embedded struct) adds nothing.
func (m *Merger) Under(mark int, name string) {
	if name == "" {
		return
	}
	for i := mark; i < len(m.conflicts); i++ {
		p := m.conflicts[i].Path
		switch {
		case p == "":
			m.conflicts[i].Path = name
		case p[0] == '[':
			m.conflicts[i].Path = name + p
		default:
			m.conflicts[i].Path = name + "." + p
		}
	}
}

func (m *Merger) conflict(name string, base, current, desired any) {
	m.conflicts = append(m.conflicts, FieldConflict{Path: name, Base: base, Current: current, Desired: desired})
}

// resolve decides a value that both sides changed, when the strategy is
// not an ordering.
func resolve[T any](m *Merger, name string, s Strategy, base, current, desired T) T {
	switch s {
	case Theirs:
		return current
	case Strict:
		m.conflict(name, base, current, desired)
		return current
	default:
		return desired
	}
}

// Leaf merges a comparable value that holds no pointers (a basic type):
// the result needs no copy.
func Leaf[T comparable](m *Merger, name string, s Strategy, base, current, desired T) T {
	if desired == base || current == desired {
		return current
	}
	if current == base {
		return desired
	}
	return resolve(m, name, s, base, current, desired)
}

// LeafPtr merges a pointer to a comparable value, comparing what it points
// to; nil is a value of its own. The result points to a copy.
func LeafPtr[T comparable](m *Merger, name string, s Strategy, base, current, desired *T) *T {
	eq := func(a, b *T) bool { return a == b || (a != nil && b != nil && *a == *b) }
	if eq(desired, base) || eq(current, desired) {
		return CopyPtr(current)
	}
	if eq(current, base) {
		return CopyPtr(desired)
	}
	return CopyPtr(resolve(m, name, s, base, current, desired))
}

// Ordered merges a value of an ordered type; with Max or Min a value that
// both sides changed becomes the larger or smaller of the two.
func Ordered[T cmp.Ordered](m *Merger, name string, s Strategy, base, current, desired T) T {
	return compared(m, name, s, base, current, desired, cmp.Compare[T])
}

// OrderedPtr is Ordered through a pointer; nil is smaller than any value.
// The result points to a copy.
func OrderedPtr[T cmp.Ordered](m *Merger, name string, s Strategy, base, current, desired *T) *T {
	return ComparedPtr(m, name, s, base, current, desired, cmp.Compare[T], CopyValue[T])
}

// Compared merges a value whose equality and order are given by compare
// (CompareTime, CompareMicroTime, CompareQuantity); copy copies the
// result.
func Compared[T any](m *Merger, name string, s Strategy, base, current, desired T, compare func(a, b T) int, copy func(T) T) T {
	return copy(compared(m, name, s, base, current, desired, compare))
}

func compared[T any](m *Merger, name string, s Strategy, base, current, desired T, compare func(a, b T) int) T {
	if compare(desired, base) == 0 || compare(current, desired) == 0 {
		return current
	}
	if compare(current, base) == 0 {
		return desired
	}
	switch s {
	case Max:
		if compare(current, desired) > 0 {
			return current
		}
		return desired
	case Min:
		if compare(current, desired) < 0 {
			return current
		}
		return desired
	}
	return resolve(m, name, s, base, current, desired)
}

// ComparedPtr is Compared through a pointer; nil is smaller than any
// value. The result points to a copy made with copy.
func ComparedPtr[T any](m *Merger, name string, s Strategy, base, current, desired *T, compare func(a, b T) int, copy func(T) T) *T {
	p := compared(m, name, s, base, current, desired, func(a, b *T) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		case b == nil:
			return 1
		}
		return compare(*a, *b)
	})
	if p == nil {
		return nil
	}
	v := copy(*p)
	return &v
}

// CompareTime orders metav1.Time.
func CompareTime(a, b metav1.Time) int { return a.Time.Compare(b.Time) }

// CompareMicroTime orders metav1.MicroTime.
func CompareMicroTime(a, b metav1.MicroTime) int { return a.Time.Compare(b.Time) }

// CompareQuantity orders resource.Quantity by value (1Gi equals 1024Mi).
func CompareQuantity(a, b resource.Quantity) int { return a.Cmp(b) }

// Atomic merges a value as one leaf, comparing with equal: a struct
// marked atomic, an atomic list or map, a type with its own JSON form.
// copy copies the result.
func Atomic[T any](m *Merger, name string, s Strategy, base, current, desired T, copy func(T) T) T {
	eq := equal
	if eq(desired, base) || eq(current, desired) {
		return copy(current)
	}
	if eq(current, base) {
		return copy(desired)
	}
	return copy(resolve(m, name, s, base, current, desired))
}

// AtomicInto is Atomic for values that must not be copied by value (they
// hold a lock, as a protobuf message does): it compares what base, current
// and desired point to, and deep copies the value that wins into out with
// its DeepCopyInto method.
func AtomicInto[T any, P interface {
	*T
	DeepCopyInto(*T)
}](m *Merger, name string, s Strategy, base, current, desired, out *T) {
	P(Atomic(m, name, s, base, current, desired, CopyValue[*T])).DeepCopyInto(out)
}

// AtomicSlice merges an atomic list of basic values as one leaf. The
// result is a copy.
func AtomicSlice[E comparable](m *Merger, name string, s Strategy, base, current, desired []E) []E {
	if slices.Equal(desired, base) || slices.Equal(current, desired) {
		return slices.Clone(current)
	}
	if slices.Equal(current, base) {
		return slices.Clone(desired)
	}
	return slices.Clone(resolve(m, name, s, base, current, desired))
}

func derefAny(v any) any {
	switch v := v.(type) {
	case *string:
		if v != nil {
			return *v
		}
	case *int32:
		if v != nil {
			return *v
		}
	case *int64:
		if v != nil {
			return *v
		}
	case *bool:
		if v != nil {
			return *v
		}
	}
	return v
}

// equal compares two values of the same type as the merge sees them:
// equality.Semantic.DeepEqual, which compares times and quantities by
// value. A value that holds unexported fields (a protobuf message's state,
// a time.Time outside metav1.Time) is one DeepEqual cannot compare: it
// panics. Such values are compared by their JSON form, which is what the
// API server stores of them.
func equal(a, b any) (eq bool) {
	defer func() {
		if recover() != nil {
			eq = jsonEqual(a, b)
		}
	}()
	return equality.Semantic.DeepEqual(a, b)
}

func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return reflect.DeepEqual(a, b)
	}
	return bytes.Equal(ja, jb)
}
