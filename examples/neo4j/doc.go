// Package neo4j is the Neo4j operator's cluster reconciler of the
// project's seed analysis, rebuilt on the helpers conflict-gen generates
// (examples/api/neo4j/v1alpha1): it creates and updates its child objects
// with CreateOrUpdateXWithRetry, where the operator had
// controllerutil.CreateOrUpdate without conflict handling, the cause of its
// restart loops.
package neo4j
