package model

// MergeOp is how one field is merged; each maps to one runtime function of
// package conflict (or to a generated merge function).
type MergeOp int

// The merge operations.
const (
	// OpCurrent takes current's value (TypeMeta; fields JSON never sees).
	OpCurrent MergeOp = iota
	// OpObjectMeta merges metadata: conflict.MergeObjectMeta.
	OpObjectMeta
	// OpLeaf merges a comparable value: conflict.Leaf.
	OpLeaf
	// OpLeafPtr merges a pointer to a comparable value: conflict.LeafPtr.
	OpLeafPtr
	// OpOrdered merges an ordered value under max or min: conflict.Ordered.
	OpOrdered
	// OpOrderedPtr is OpOrdered through a pointer: conflict.OrderedPtr.
	OpOrderedPtr
	// OpCompared merges a time or quantity: conflict.Compared.
	OpCompared
	// OpComparedPtr is OpCompared through a pointer: conflict.ComparedPtr.
	OpComparedPtr
	// OpAtomic merges any value as one leaf: conflict.Atomic.
	OpAtomic
	// OpAtomicSlice merges an atomic list of comparable elements:
	// conflict.AtomicSlice.
	OpAtomicSlice
	// OpStruct merges a struct field by field with its generated function.
	OpStruct
	// OpStructPtr merges a pointer to a struct: conflict.MergePtr.
	OpStructPtr
	// OpMap merges a map of comparable values key by key: conflict.MergeMap.
	OpMap
	// OpMapAtomic merges a map key by key, each value as one leaf:
	// conflict.MergeMapAtomic.
	OpMapAtomic
	// OpSet merges a list as a set: conflict.MergeSet.
	OpSet
	// OpListMap merges a list element by element by key:
	// conflict.MergeListMap.
	OpListMap
)

// Copy is how a merge copies a value it takes whole from one of its
// inputs, so that its result shares no memory with them; each maps to a
// copy function of package conflict.
type Copy int

// The copies.
const (
	// CopyValue: assignment copies it (no pointers, slices or maps
	// inside): conflict.CopyValue.
	CopyValue Copy = iota
	// CopyDeep: its DeepCopyInto method: conflict.CopyDeep.
	CopyDeep
	// CopySlice: a slice of CopyValue elements: conflict.CopySlice.
	CopySlice
	// CopySliceDeep: a slice of CopyDeep elements: conflict.CopySliceDeep.
	CopySliceDeep
	// CopyMap: a map of CopyValue values: conflict.CopyMap.
	CopyMap
	// CopyMapDeep: a map of CopyDeep values: conflict.CopyMapDeep.
	CopyMapDeep
	// CopyPtr: a pointer to a CopyValue value: conflict.CopyPtr.
	CopyPtr
	// CopyPtrDeep: a pointer to a CopyDeep value: conflict.CopyPtrDeep.
	CopyPtrDeep
	// CopyShallow: none of the above fits (an interface, a slice of
	// slices, a struct with references and no DeepCopyInto); assignment
	// copies it, and the kinds that reach it deep copy their merged
	// result as a whole instead.
	CopyShallow
)

// MergeStruct is a struct type that gets a generated merge function.
type MergeStruct struct {
	// Type is the struct type.
	Type TypeRef
	// Func is the generated function's name.
	Func string
	// Fields are the struct's fields, in declaration order.
	Fields []*MergeField
	// Condition is set for condition types (a Status and a
	// LastTransitionTime field): the transition time follows the status,
	// as meta.SetStatusCondition keeps it.
	Condition bool
	// Shares is set when a field's merged value may share memory with the
	// inputs (a CopyShallow copy), here or in a struct this one merges
	// through; MergeX then deep copies its result.
	Shares bool
	// InPlace is set when the struct must not be copied by value: it holds
	// a lock, as go vet's copylocks check sees it (a sync.Mutex, a
	// protobuf message's state), directly or in a field. Its merge function
	// fills *out instead of returning the merged value.
	InPlace bool
}

// MergeField is how one field of a struct is merged.
type MergeField struct {
	// GoName is the field's Go name (the type's name for embedded fields).
	GoName string
	// Path is the field's JSON name in conflict paths; empty for inline
	// embedded structs.
	Path string
	// Op is how the field is merged.
	Op MergeOp
	// Strategy is the field's +conflict:merge strategy (ours, theirs,
	// strict, max, min), or empty to inherit the enclosing one.
	Strategy Strategy
	// Struct is the generated merge of the struct type for OpStruct,
	// OpStructPtr, and of the element type for OpListMap; nil for a list
	// map of atomic elements, which merge whole (conflict.AtomicElement).
	Struct *MergeStruct
	// Compare names the runtime comparison for OpCompared and
	// OpComparedPtr (CompareTime, CompareMicroTime, CompareQuantity).
	Compare string
	// Key identifies the elements of an OpListMap list.
	Key *MergeKey
	// InPlace is set when the field's value must not be copied (it holds a
	// lock): it is merged into the output struct's field through pointers,
	// by its struct's InPlace function (OpStruct), or whole with its
	// DeepCopyInto method (OpAtomic, OpCurrent).
	InPlace bool
	// ByElement is set on an InPlace array whose elements hold the lock:
	// the array has no DeepCopyInto, so the one that wins is copied
	// element by element with the elements' own.
	ByElement bool
	// Copy copies what OpCurrent, OpCompared, OpComparedPtr (what the
	// pointer points to), OpAtomic and OpMapAtomic (the map's values) take
	// whole, and the elements of an atomic OpListMap; the other operations
	// copy by themselves.
	Copy Copy
}

// MergeKey is the generated key function of a list map's elements.
type MergeKey struct {
	// Func is the generated function's name.
	Func string
	// Elem is the element type.
	Elem TypeRef
	// Name is the key field's JSON name in conflict paths
	// (conditions[type=Ready]); empty for a composite key, whose function
	// renders name=value pairs itself, with string values quoted
	// (ports[name="http",port=80]) so that different keys never render
	// alike.
	Name string
	// Fields are the key fields.
	Fields []KeyField
}

// KeyField is one field of a list map's key.
type KeyField struct {
	// GoName and JSONName name the field.
	GoName, JSONName string
	// Selector is the path of Go field names from the element to the
	// field: [Base Name] for a key promoted from an inline embedded
	// struct, which a field of the element with the same Go name may
	// hide from e.Name.
	Selector []string
	// Kind is how the key renders as a string: "string", "int", "uint" or
	// "bool".
	Kind string
}
