// Package model is the generator's description of what to generate: plain
// Go data, built and validated once by package generator from the loaded
// API packages, and turned into code by package templates.
package model

import "fmt"

// Package is one API package and the file generated for it.
type Package struct {
	// Path is the API package's import path.
	Path string
	// Name is the API package's Go name.
	Name string
	// Group is the API group (the +groupName package marker), or "".
	Group string
	// Kinds are the package's kinds that get helpers, sorted by name.
	Kinds []*Kind
	// Output says where the generated file goes.
	Output Output
	// MergeStructs are the struct types reachable from the kinds, each with
	// its generated merge function, sorted by function name.
	MergeStructs []*MergeStruct
	// MergeKeys are the key functions of the list maps, sorted by name.
	MergeKeys []*MergeKey
	// Apply is the server-side apply schema of the kinds.
	Apply *ApplySchema
	// Reserved are identifiers declared at the output package's scope that
	// generated imports must not shadow. Only set when the output is the API
	// package itself.
	Reserved map[string]bool
}

// Output is where a generated file goes.
type Output struct {
	// Dir is the directory the file is written into.
	Dir string
	// File is the file's name, e.g. zz_generated.conflict.go.
	File string
	// PackageName is the generated file's package clause.
	PackageName string
	// SamePackage is true when the file is part of the API package, so
	// that its types are used without a qualifier.
	SamePackage bool
}

// Kind is one Kubernetes object kind: a struct type that embeds
// metav1.TypeMeta and metav1.ObjectMeta.
type Kind struct {
	// Name is the Go type's name, which is also the kind.
	Name string
	// Pos is where the type is declared.
	Pos Position
	// StatusSubresource is true when the kind is served with a /status
	// subresource, so that status writes go through it.
	StatusSubresource bool
	// ObservedGeneration is the path from the kind to its int64
	// observedGeneration field, or nil if it has none.
	ObservedGeneration FieldPath
	// Conditions is the path from the kind to its list of conditions, or
	// nil if it has none: a []metav1.Condition, or a list of a type of the
	// same shape (Condition).
	Conditions FieldPath
	// Condition is the element type of Conditions when it is not
	// metav1.Condition; nil for []metav1.Condition.
	Condition *ConditionType
	// Merge is the kind's three-way merge.
	Merge *MergeStruct
	// RequestLog is the status field in which the kind keeps the request
	// IDs of its status writes (+conflict:requestLog), or nil.
	RequestLog *RequestLog

	// ApplyType is the name of the kind's root type in the package's
	// ApplySchema.
	ApplyType string
}

// RequestLog is a kind's status request log: a []string field under
// Status, reached without a pointer, that the runtime reads and writes
// through a generated accessor.
type RequestLog struct {
	// Path is the Go field path from the kind, e.g. Status.RequestLog.
	Path FieldPath
	// JSONPath is the field's path in the object's JSON, e.g.
	// status.requestLog.
	JSONPath string
	// Pos is where the marker is written.
	Pos Position
}

// ConditionType is a condition type of another project with
// metav1.Condition's shape: string-like Type, Status, Reason and Message
// fields and a LastTransitionTime of type metav1.Time (cluster-api
// v1beta1's, Crossplane's, apps/v1's DeploymentCondition).
type ConditionType struct {
	// Type is the condition type.
	Type TypeRef
	// ObservedGeneration is set when it has an int64 ObservedGeneration
	// field, which SetXCondition stamps.
	ObservedGeneration bool
}

// FieldPath is a path of struct fields from a kind, such as
// Status.ObservedGeneration.
type FieldPath []Field

// Field is one step of a FieldPath.
type Field struct {
	// Name is the Go field name.
	Name string
	// Pointer is set when the field is a pointer to a struct: code that
	// reads through it must check for nil, and code that writes through it
	// allocates a Pointer.Name from package Pointer.Path.
	Pointer *TypeRef
}

// TypeRef names a Go type.
type TypeRef struct {
	// Path is the import path of the type's package.
	Path string
	// Name is the type's name.
	Name string
}

// String returns the path as Go source writes it, e.g.
// Status.ObservedGeneration.
func (p FieldPath) String() string {
	s := ""
	for i, f := range p {
		if i > 0 {
			s += "."
		}
		s += f.Name
	}
	return s
}

// Position is a place in a source file.
type Position struct {
	// File is the file's path.
	File string
	// Line is the 1-based line number.
	Line int
}

// String returns file:line.
func (p Position) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// The names of the helpers generated for a kind, in one place so that the
// generator's checks and the templates agree.

// UpdateFunc is the name of the kind's update helper.
func (k *Kind) UpdateFunc() string { return "Update" + k.Name + "WithRetry" }

// UpdateStatusFunc is the name of the kind's status update helper.
func (k *Kind) UpdateStatusFunc() string { return "Update" + k.Name + "StatusWithRetry" }

// CreateOrUpdateFunc is the name of the kind's create-or-update helper.
func (k *Kind) CreateOrUpdateFunc() string { return "CreateOrUpdate" + k.Name + "WithRetry" }

// NeedsReconcileFunc is the name of the kind's observed-generation check.
func (k *Kind) NeedsReconcileFunc() string { return k.Name + "NeedsReconcile" }

// SetObservedGenerationFunc is the name of the kind's observed-generation
// setter.
func (k *Kind) SetObservedGenerationFunc() string { return "Set" + k.Name + "ObservedGeneration" }

// MergeFunc is the name of the kind's three-way merge.
func (k *Kind) MergeFunc() string { return "Merge" + k.Name }

// UpdateFromFunc is the name of the kind's merging update helper.
func (k *Kind) UpdateFromFunc() string { return "Update" + k.Name + "From" }

// UpdateStatusFromFunc is the name of the kind's merging status update
// helper.
func (k *Kind) UpdateStatusFromFunc() string { return "Update" + k.Name + "StatusFrom" }

// SetConditionFunc is the name of the kind's condition setter.
func (k *Kind) SetConditionFunc() string { return "Set" + k.Name + "Condition" }

// RequestLogFunc is the name of the kind's status request log accessor.
func (k *Kind) RequestLogFunc() string { return "conflictRequestLog" + k.Name }

// ApplyFunc is the name of the kind's server-side apply helper.
func (k *Kind) ApplyFunc() string { return "Apply" + k.Name }

// ApplyStatusFunc is the name of the kind's server-side apply helper for
// the status subresource.
func (k *Kind) ApplyStatusFunc() string { return "Apply" + k.Name + "Status" }

// KindVar is the name of the package variable that holds the kind's
// conflict.Kind, which every helper of the kind passes to the runtime.
func (k *Kind) KindVar() string { return "conflict" + k.Name + "Kind" }

// ApplySchemaConst is the name of the constant that holds a generated
// package's server-side apply schema.
const ApplySchemaConst = "conflictApplySchema"

// Declared lists every name the generated file declares for the kind.
func (k *Kind) Declared() []string {
	names := []string{k.UpdateFunc(), k.CreateOrUpdateFunc(), k.MergeFunc(), k.UpdateFromFunc(), k.ApplyFunc()}
	if k.StatusSubresource {
		names = append(names, k.UpdateStatusFunc(), k.UpdateStatusFromFunc(), k.ApplyStatusFunc())
	}
	if k.ObservedGeneration != nil {
		names = append(names, k.NeedsReconcileFunc(), k.SetObservedGenerationFunc())
	}
	if k.Conditions != nil {
		names = append(names, k.SetConditionFunc())
	}
	if k.RequestLog != nil {
		names = append(names, k.RequestLogFunc())
	}
	return names
}

// Helper describes one helper generated per kind, for help texts.
type Helper struct {
	// Name is the helper's name for a kind X, e.g. UpdateXWithRetry.
	Name string
	// When says which kinds get it; empty for every kind.
	When string
	// Does says what it does.
	Does string
}

// Helpers lists every helper generated for a kind X, in the order the
// generated file declares them. Kind's name methods and Declared name
// them for one kind.
var Helpers = []Helper{
	{"UpdateXWithRetry", "", "applies mutate to a fresh copy and updates, re-reading and retrying on 409 Conflict"},
	{"UpdateXStatusWithRetry", "with a status subresource", "the same through /status"},
	{"CreateOrUpdateXWithRetry", "", "creates with mutate applied if missing, else updates as UpdateXWithRetry"},
	{"XNeedsReconcile", "with an observed generation", "reports whether the spec changed since status was last written"},
	{"SetXObservedGeneration", "with an observed generation", "records metadata.generation as observed"},
	{"SetXCondition", "with status.conditions of []metav1.Condition, or of a condition type of its shape", "sets a condition as meta.SetStatusCondition does, with observedGeneration stamped"},
	{"MergeX", "", "three-way merge of base, current and desired, field by field as the markers say"},
	{"UpdateXFrom", "", "writes modified; on a conflict merges (original, a fresh read, modified) with MergeX and writes the result"},
	{"UpdateXStatusFrom", "with a status subresource", "the same through /status"},
	{"ApplyX", "", "server-side apply of the fields this field owner owns after mutate: those it applied before and those mutate set; no request when they are unchanged"},
	{"ApplyXStatus", "with a status subresource", "the same through /status"},
}
