// Package generator is conflict-gen's pipeline, a small compiler. Each
// stage reads top to bottom in its own files:
//
//   - load (load.go): controller-tools loads and type-checks the packages;
//     markers.go defines every marker read, with its help, and checks the
//     +conflict: markers of the loaded files;
//   - model (build.go for packages and kinds, request_log.go for a kind's
//     status request log, merge.go for how each field merges, copy.go for
//     how merged values are copied and which types must not be copied,
//     apply.go for the server-side apply schema of the kinds, output.go for
//     where files go): a plain
//     description of what to generate (package model), validated once;
//     every problem in the input is reported here as file:line: message,
//     with the helpers for positions and errors in errors.go;
//   - render (generator.go): package templates turns the model into
//     gofmt'd Go;
//   - write (write.go): files are written atomically, and only when nothing
//     failed, or compared with what is on disk in verify mode; a file left
//     over from a package that now generates nothing is removed.
//
// For every kind X the generated file declares the helpers model.Helpers
// lists: UpdateXWithRetry, UpdateXStatusWithRetry, CreateOrUpdateXWithRetry,
// XNeedsReconcile, SetXObservedGeneration, SetXCondition, MergeX,
// UpdateXFrom, UpdateXStatusFrom, ApplyX and ApplyXStatus, each where the
// kind has what it needs; the accessor of its status request log when it
// is marked +conflict:requestLog (request_log.go checks the marker); one
// merge function per struct type the kinds reach; and the package's
// server-side apply schema.
package generator
