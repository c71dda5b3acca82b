package v1alpha1_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/conflict-gen/conflict-gen/examples/zz_generated/internal/aliasing"
	helpers "github.com/conflict-gen/conflict-gen/examples/zz_generated/neo4j/v1alpha1"
)

// checkMergeProperties checks, on one triple, the properties every
// three-way merge must have, and agreement with the reference merge.
func checkMergeProperties(t *testing.T, schema map[string]any, b, c, d *cluster) {
	t.Helper()
	eq := func(msg string, want, got *cluster) {
		t.Helper()
		if !equality.Semantic.DeepEqual(want, got) {
			t.Fatalf("%s:\nwant %+v\ngot  %+v", msg, want, got)
		}
	}
	merge := func(b, c, d *cluster) *cluster {
		t.Helper()
		got, err := helpers.MergeNeo4jEnterpriseCluster(b, c, d)
		require.NoError(t, err, "no field of this kind is strict")
		return got
	}
	bCopy, cCopy, dCopy := b.DeepCopy(), c.DeepCopy(), d.DeepCopy()

	got := merge(b, c, d)
	eq("inputs unchanged: base", bCopy, b)
	eq("inputs unchanged: current", cCopy, c)
	eq("inputs unchanged: desired", dCopy, d)

	eq("merge(b, b, d) = d", d, merge(b, b.DeepCopy(), d))
	eq("merge(b, c, b) = c", c, merge(b, c, b.DeepCopy()))
	eq("merge(b, x, x) = x", c, merge(b, c, c.DeepCopy()))

	// Aliasing: the same object passed twice, or copies, give one answer,
	// and the answer shares no memory with the inputs.
	eq("aliased base and current", merge(b, b.DeepCopy(), d), merge(b, b, d))
	eq("aliased current and desired", merge(b, c, c.DeepCopy()), merge(b, c, c))
	eq("copies", got, merge(bCopy.DeepCopy(), cCopy.DeepCopy(), dCopy.DeepCopy()))
	assert.Empty(t, aliasing.Shared(got, b, c, d), "memory the result shares with the inputs")
	scribble(got)
	eq("result shares nothing: base", bCopy, b)
	eq("result shares nothing: current", cCopy, c)
	eq("result shares nothing: desired", dCopy, d)

	want := referenceMerge(t, schema, b, c, d)
	have := normalize(toMap(t, merge(b, c, d)))
	assert.Equal(t, want, have, "typed merge and reference merge disagree")
}

// scribble writes into every map and list of obj.
func scribble(obj *cluster) {
	for k := range obj.Labels {
		obj.Labels[k] = "scribbled"
	}
	for k := range obj.Spec.Config {
		obj.Spec.Config[k] = "scribbled"
	}
	for i := range obj.Spec.Plugins {
		obj.Spec.Plugins[i] = "scribbled"
	}
	for i := range obj.Spec.Ports {
		obj.Spec.Ports[i].Name = "scribbled"
	}
	for i := range obj.Spec.Env {
		obj.Spec.Env[i].Value = "scribbled"
	}
	for k := range obj.Spec.NodeSelector {
		obj.Spec.NodeSelector[k] = "scribbled"
	}
	if obj.Spec.Backup != nil {
		obj.Spec.Backup.Schedule = "scribbled"
		if obj.Spec.Backup.RetentionDays != nil {
			*obj.Spec.Backup.RetentionDays = -1
		}
	}
	for i := range obj.Status.Conditions {
		obj.Status.Conditions[i].Reason = "scribbled"
	}
	for i := range obj.Status.Servers {
		obj.Status.Servers[i].Server = "scribbled"
	}
	for i := range obj.Finalizers {
		obj.Finalizers[i] = "scribbled"
	}
	for i := range obj.OwnerReferences {
		obj.OwnerReferences[i].Name = "scribbled"
	}
}

// TestMergeMatchesReferenceOnRandomTriples runs the properties on many
// random triples in every test run (the fuzz target explores further).
func TestMergeMatchesReferenceOnRandomTriples(t *testing.T) {
	schema := loadCRDSchema(t)
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		r := rand.New(rand.NewPCG(uint64(i), 42))
		b, c, d := randomTriple(r)
		checkMergeProperties(t, schema, b, c, d)
		if t.Failed() {
			t.Fatalf("triple %d failed", i)
		}
	}
}

// FuzzMergeNeo4jEnterpriseCluster explores triples from random seeds:
//
//	cd examples && go test ./zz_generated/neo4j/v1alpha1 -run '^$' -fuzz FuzzMergeNeo4jEnterpriseCluster -fuzztime 60s
//
// The seed corpus is in testdata/fuzz.
func FuzzMergeNeo4jEnterpriseCluster(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	schema := loadCRDSchema(f)
	f.Fuzz(func(t *testing.T, seed1, seed2 uint64) {
		b, c, d := randomTriple(rand.New(rand.NewPCG(seed1, seed2)))
		checkMergeProperties(t, schema, b, c, d)
	})
}
