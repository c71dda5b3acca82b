// Package templates turns the generator's model into Go source with
// jennifer, one file per family of helpers:
//
//   - update.go: UpdateXWithRetry, UpdateXStatusWithRetry and
//     CreateOrUpdateXWithRetry;
//   - generation.go: XNeedsReconcile and SetXObservedGeneration;
//   - conditions.go: SetXCondition;
//   - merge.go: MergeX, UpdateXFrom, UpdateXStatusFrom, and the merge
//     function of every struct type and the key function of every list
//     map they use;
//   - apply.go: each kind's conflict.Kind variable, ApplyX and
//     ApplyXStatus; applyschema.go: the package's server-side apply
//     schema as a YAML constant;
//   - file.go: what every generated file starts with, and Render;
//     imports.go names the imports; article.go puts "a" or "an" before a
//     kind's name in godoc.
//
// Templates only render: what to generate, and whether the input is valid,
// is decided when the model is built. A model value a template does not
// know is a bug, and panics.
package templates
