package conflict

import (
	"context"
	"errors"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// This file is the server-side apply contract between the generated code
// and the runtime. (Skeleton: the bodies are being written.)

// ApplyType is a kind's schema in structured-merge-diff's form, from
// which server-side apply computes the fields an apply owns: field names,
// list types and keys, maps and structs. The generator builds it from the
// Go types and their markers; the API server builds the same from the
// CRD's OpenAPI schema.
type ApplyType struct {
	schemaYAML, typeName string
}

// NewApplyType returns the type typeName of schemaYAML, a
// structured-merge-diff schema (sigs.k8s.io/structured-merge-diff schema
// package, YAML). It is called by generated code at package init with a
// schema the generator built, and panics when the schema does not parse
// or does not define typeName.
func NewApplyType(schemaYAML, typeName string) *ApplyType {
	return &ApplyType{schemaYAML: schemaYAML, typeName: typeName}
}

// WithForceOwnership makes Apply and ApplyStatus take fields that other
// field managers own instead of failing with an ownership conflict.
func WithForceOwnership() Option {
	return func(o *options) { o.forceOwnership = true }
}

// Apply runs mutate on a copy of obj and applies, with server-side apply,
// exactly the fields this field owner ([WithFieldOwner], required) owns
// after the change. It is what the generated ApplyX calls; kind.Apply
// must be set.
func Apply[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, obj T, mutate func(T) error, opts ...Option) error {
	return errors.New("conflict.Apply: not implemented yet")
}

// ApplyStatus is Apply through the status subresource. It is what the
// generated ApplyXStatus calls.
func ApplyStatus[O any, T Object[O]](ctx context.Context, c client.Client, kind Kind, obj T, mutate func(T) error, opts ...Option) error {
	return errors.New("conflict.ApplyStatus: not implemented yet")
}
