// Package applyschema reads the server-side apply schema out of the files
// conflict-gen generates. Its tests check the schemas against the API
// server's own: for the examples' CRDs, the schema the API server builds
// from the CRD that controller-gen generated; for k8s.io/api kinds, the
// schema client-go ships for the built-in types. Agreeing, the runtime
// computes the same field sets as the server.
package applyschema
