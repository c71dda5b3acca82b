package model

// ApplySchema is an API package's schema for server-side apply, in the
// terms of sigs.k8s.io/structured-merge-diff/v6/schema: named types made of
// scalars, lists and maps. It describes the kinds as the API server sees
// them (JSON names, inline structs flattened, the topology markers), so
// that the field sets computed from it are the server's. One schema holds
// every named type the package's kinds reach; each kind points at its root
// type (Kind.ApplyType).
type ApplySchema struct {
	// Types are the named types, sorted by name.
	Types []*ApplyNamedType
}

// ApplyNamedType is one named type of an ApplySchema.
type ApplyNamedType struct {
	// Name is the type's name: the OpenAPI definition name the API server
	// gives the Go type (io.k8s.api.core.v1.PodSpec), or one of the
	// untyped types ApplyUntypedAtomic and ApplyUntypedDeduced.
	Name string
	// Atom is what the type is.
	Atom ApplyAtom
}

// The untyped named types of structured-merge-diff schemas, defined as
// the API server defines them: any JSON value, taken whole (atomic) or
// with its maps merged key by key (deduced).
const (
	ApplyUntypedAtomic  = "__untyped_atomic_"
	ApplyUntypedDeduced = "__untyped_deduced_"
)

// The scalar kinds.
const (
	ScalarString  = "string"
	ScalarNumeric = "numeric"
	ScalarBoolean = "boolean"
	ScalarUntyped = "untyped"
)

// The element relationships. A map's empty relationship is separable, a
// list's is atomic.
const (
	RelationAtomic      = "atomic"
	RelationAssociative = "associative"
	RelationSeparable   = "separable"
)

// ApplyAtom is a value's shape: a scalar, a list or a map (a struct is a
// map with fields). Untyped types have all three.
type ApplyAtom struct {
	// Scalar is the scalar's kind (ScalarString, ...), or "".
	Scalar string
	// List is set for a list.
	List *ApplyList
	// Map is set for a struct or a map.
	Map *ApplyMap
}

// ApplyTypeRef refers to a named type, or holds an anonymous one.
type ApplyTypeRef struct {
	// Named is the name of an ApplyNamedType, or "" for Inlined.
	Named string
	// Inlined is the type when Named is "".
	Inlined ApplyAtom
	// Relationship overrides the named map type's element relationship
	// (a field marked +structType=atomic whose type is not); "" for none.
	Relationship string
}

// ApplyList is a list.
type ApplyList struct {
	// Elem is the elements' type.
	Elem ApplyTypeRef
	// Relationship is RelationAtomic (replaced whole) or
	// RelationAssociative (a set, or a map keyed by Keys).
	Relationship string
	// Keys are the JSON names of a list map's key fields.
	Keys []string
}

// ApplyMap is a struct (Fields) or a map (Elem), or both (a struct that
// preserves unknown fields).
type ApplyMap struct {
	// Fields are a struct's fields by JSON name, in declaration order.
	Fields []ApplyField
	// Elem is the type of the values of keys that are not fields; nil
	// when there are none.
	Elem *ApplyTypeRef
	// Relationship is RelationAtomic for a map or struct taken whole,
	// RelationSeparable or "" (the same) for one merged key by key.
	Relationship string
}

// ApplyField is one field of a struct.
type ApplyField struct {
	// Name is the field's JSON name.
	Name string
	// Type is the field's type.
	Type ApplyTypeRef
}
