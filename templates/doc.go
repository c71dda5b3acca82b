// Package templates turns the generator's model into Go source with
// jennifer: one file per family of helpers (update.go for the write
// helpers, generation.go for observedGeneration, conditions.go for
// conditions), and file.go for what every generated file starts with.
//
// Templates only render: what to generate, and whether the input is valid,
// is decided when the model is built.
package templates
