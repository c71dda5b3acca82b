// Package generator is conflict-gen's pipeline, a small compiler:
//
//   - load (load.go): controller-tools loads and type-checks the packages
//     and collects their markers (markers.go);
//   - model (build.go, output.go): a plain description of packages, kinds
//     and fields (package model), validated once; every problem in the
//     input is reported here as file:line: message;
//   - render: package templates turns the model into gofmt'd Go;
//   - write (write.go): files are written atomically, and only when nothing
//     failed, or compared with what is on disk in verify mode.
package generator
