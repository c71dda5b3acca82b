package applyschema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/typed"

	"github.com/conflict-gen/conflict-gen/generator"
)

// TestBuiltInKindsAgreeWithTheServersSchema generates StatefulSet,
// ConfigMap and Service as --output-dir --kinds does, and compares each
// kind's schema, all the way down, with the one the API server uses for
// it, as client-go ships it.
func TestBuiltInKindsAgreeWithTheServersSchema(t *testing.T) {
	files, err := generator.Generate(generator.Options{
		Patterns:  []string{"k8s.io/api/apps/v1", "k8s.io/api/core/v1"},
		OutputDir: t.TempDir(),
		Kinds:     []string{"StatefulSet", "ConfigMap", "Service"},
	})
	require.NoError(t, err)
	server := side{schema: clientGoSchema(t)}
	kinds := map[string]bool{}
	for _, f := range files {
		if f.Content == nil {
			continue
		}
		e := readEmitted(t, f.Content)
		for kind, root := range e.Roots {
			kinds[kind] = true
			assert.Empty(t, compare(side{schema: e.Schema}, server, named(root), named(root), kind, map[string]bool{}), kind)
		}
	}
	assert.Equal(t, map[string]bool{"StatefulSet": true, "ConfigMap": true, "Service": true}, kinds)
}

// TestComparisonSeesADifference: the comparison that the tests rely on
// reports a list map whose key differs, a list that is atomic on one
// side, and a missing field.
func TestComparisonSeesADifference(t *testing.T) {
	server := side{schema: clientGoSchema(t)}
	files, err := generator.Generate(generator.Options{Patterns: []string{"k8s.io/api/apps/v1"}, OutputDir: t.TempDir(), Kinds: []string{"StatefulSet"}})
	require.NoError(t, err)
	yaml := stringConst(t, files[0].Content, "conflictApplySchema")
	for _, tc := range []struct{ from, to, want string }{
		{"{name: containers, type: {list: {elementType: {namedType: io.k8s.api.core.v1.Container}, elementRelationship: associative, keys: [name]}}}",
			"{name: containers, type: {list: {elementType: {namedType: io.k8s.api.core.v1.Container}, elementRelationship: associative, keys: [image]}}}",
			"StatefulSet.spec.template.spec.containers: list associative [image], theirs associative [name]"},
		{"{name: containers, type: {list: {elementType: {namedType: io.k8s.api.core.v1.Container}, elementRelationship: associative, keys: [name]}}}",
			"{name: containers, type: {list: {elementType: {namedType: io.k8s.api.core.v1.Container}, elementRelationship: atomic}}}",
			"StatefulSet.spec.template.spec.containers: list atomic [], theirs associative [name]"},
		{"    - {name: serviceName, type: {scalar: string}}\n", "", "StatefulSet.spec: no field serviceName"},
	} {
		changed := strings.Replace(yaml, tc.from, tc.to, 1)
		require.NotEqual(t, yaml, changed, "%q is not in the schema", tc.from)
		p, err := typed.NewParser(typed.YAMLObject(changed))
		require.NoError(t, err)
		root := "io.k8s.api.apps.v1.StatefulSet"
		assert.Contains(t, compare(side{schema: &p.Schema}, server, named(root), named(root), "StatefulSet", map[string]bool{}), tc.want)
	}
}

// TestEveryBuiltInKindAgreesWithTheServersSchema does the same for every
// kind of apps/v1, batch/v1, core/v1, networking/v1 and rbac/v1.
func TestEveryBuiltInKindAgreesWithTheServersSchema(t *testing.T) {
	files, err := generator.Generate(generator.Options{
		Patterns:  []string{"k8s.io/api/apps/v1", "k8s.io/api/batch/v1", "k8s.io/api/core/v1", "k8s.io/api/networking/v1", "k8s.io/api/rbac/v1"},
		OutputDir: t.TempDir(),
	})
	require.NoError(t, err)
	server := side{schema: clientGoSchema(t)}
	compared := 0
	for _, f := range files {
		if f.Content == nil {
			continue
		}
		e := readEmitted(t, f.Content)
		for kind, root := range e.Roots {
			if _, ok := server.schema.Resolve(named(root)); !ok {
				t.Logf("%s: not in client-go's schema (not served for apply)", root)
				continue
			}
			compared++
			assert.Empty(t, compare(side{schema: e.Schema}, server, named(root), named(root), kind, map[string]bool{}), kind)
		}
	}
	assert.Greater(t, compared, 30)
	t.Logf("%d kinds compared", compared)
}
