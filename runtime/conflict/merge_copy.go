package conflict

import (
	"maps"
	"slices"
)

// This file holds the copy functions of the three-way merge. A merge takes
// many values whole from one of its inputs (an atomic field, the element
// only one side has, the map nobody changed); it copies each such value
// with the function conflict-gen chose for its type, so that the result
// shares no memory with the inputs without a second pass over the whole
// object. Strings are shared: they are immutable.
//
// Generated code passes these functions uninstantiated; their type
// arguments are inferred from the value being merged.

// CopyValue copies a value that holds no pointers, slices or maps:
// assignment copies it.
func CopyValue[T any](v T) T { return v }

// CopyShallow copies by assignment a value that may hold references, for
// types that have no DeepCopyInto method. The generated MergeX of a kind
// that has such a field deep copies its whole result instead, so that the
// result still shares nothing.
func CopyShallow[T any](v T) T { return v }

// CopyDeep copies a value with its generated DeepCopyInto method.
func CopyDeep[T any, P interface {
	*T
	DeepCopyInto(*T)
}](v T) T {
	var out T
	P(&v).DeepCopyInto(&out)
	return out
}

// CopySlice copies a slice of values that hold no pointers, slices or
// maps. nil stays nil.
func CopySlice[S ~[]E, E any](s S) S { return slices.Clone(s) }

// CopySliceDeep copies a slice element by element with the elements'
// DeepCopyInto. nil stays nil.
func CopySliceDeep[S ~[]E, E any, P interface {
	*E
	DeepCopyInto(*E)
}](s S) S {
	if s == nil {
		return nil
	}
	out := make(S, len(s))
	for i := range s {
		P(&s[i]).DeepCopyInto(&out[i])
	}
	return out
}

// CopyMap copies a map of values that hold no pointers, slices or maps.
// nil stays nil.
func CopyMap[M ~map[K]V, K comparable, V any](m M) M { return maps.Clone(m) }

// CopyMapDeep copies a map value by value with the values' DeepCopyInto.
// nil stays nil.
func CopyMapDeep[M ~map[K]V, K comparable, V any, P interface {
	*V
	DeepCopyInto(*V)
}](m M) M {
	if m == nil {
		return nil
	}
	out := make(M, len(m))
	for k, v := range m {
		var c V
		P(&v).DeepCopyInto(&c)
		out[k] = c
	}
	return out
}

// CopyPtr copies what a pointer points to, a value that holds no
// pointers, slices or maps. nil stays nil.
func CopyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// CopyPtrDeep copies what a pointer points to with its DeepCopyInto. nil
// stays nil.
func CopyPtrDeep[T any, P interface {
	*T
	DeepCopyInto(*T)
}](p *T) *T {
	if p == nil {
		return nil
	}
	out := new(T)
	P(p).DeepCopyInto(out)
	return out
}

// copyStruct copies a struct that has a generated merge function: merging
// a value with itself takes every field from current, and every field is
// copied as it is taken.
func copyStruct[E any](m *Merger, v *E, merge MergeFunc[E]) E {
	return merge(m, "", Ours, v, v, v)
}
