package generator

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// emittedSchema reads the server-side apply schema out of a generated
// file, and the root type each kind's Kind variable names.
func emittedSchema(t *testing.T, content []byte) (string, map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "", content, 0)
	require.NoError(t, err)
	var yaml string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if vs.Names[0].Name == "conflictApplySchema" {
				yaml, err = strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
				require.NoError(t, err)
			}
		}
	}
	require.NotEmpty(t, yaml, "no conflictApplySchema constant")
	roots := map[string]string{}
	for _, m := range regexp.MustCompile(`var conflict(\w+)Kind = conflict\.Kind\{[^}]*?NewApplyType\(conflictApplySchema, "([^"]+)"\)`).FindAllStringSubmatch(string(content), -1) {
		roots[m[1]] = m[2]
	}
	return yaml, roots
}

// TestEmittedSchemasParse: every generated file's schema is one that
// structured-merge-diff accepts, and every kind names a type it defines.
func TestEmittedSchemasParse(t *testing.T) {
	for _, pkg := range []string{"kubebuilder", "clientgen", "optout", "protostyle", "conditions", "merging", "locks", "applyschema"} {
		t.Run(pkg, func(t *testing.T) {
			files, err := Generate(Options{Patterns: []string{"./testdata/apis/" + pkg}})
			require.NoError(t, err)
			require.Len(t, files, 1)
			yaml, roots := emittedSchema(t, files[0].Content)
			require.NotEmpty(t, roots)
			p, err := typed.NewParser(typed.YAMLObject(yaml))
			require.NoError(t, err)
			for kind, root := range roots {
				assert.True(t, p.Type(root).IsValid(), "kind %s: type %s", kind, root)
			}
		})
	}
}

// schemaOf generates for pkg (with kinds, if given) and returns the
// parsed schema of the one file, and the kinds' root types.
func schemaOf(t *testing.T, opts Options) (*schema.Schema, map[string]string) {
	t.Helper()
	files, err := Generate(opts)
	require.NoError(t, err)
	require.Len(t, files, 1)
	yaml, roots := emittedSchema(t, files[0].Content)
	p, err := typed.NewParser(typed.YAMLObject(yaml))
	require.NoError(t, err)
	return &p.Schema, roots
}

// atomAt follows path from the type root: field names, "[]" for a list's
// elements and "*" for a map's values. Element relationships a field
// overrides are resolved as structured-merge-diff resolves them.
func atomAt(t *testing.T, s *schema.Schema, root string, path ...string) schema.Atom {
	t.Helper()
	a, ok := s.Resolve(schema.TypeRef{NamedType: &root})
	require.True(t, ok, "no type %s", root)
	for i, step := range path {
		var ref schema.TypeRef
		switch {
		case step == "[]":
			require.NotNil(t, a.List, "%v is no list", path[:i])
			ref = a.List.ElementType
		case step == "*":
			require.NotNil(t, a.Map, "%v is no map", path[:i])
			ref = a.Map.ElementType
		default:
			require.NotNil(t, a.Map, "%v is no struct", path[:i])
			f, ok := a.Map.FindField(step)
			require.True(t, ok, "%v has no field %s", path[:i], step)
			ref = f.Type
		}
		a, ok = s.Resolve(ref)
		require.True(t, ok, "%v does not resolve", path[:i+1])
	}
	return a
}

func fieldNames(a schema.Atom) []string {
	var names []string
	for _, f := range a.Map.Fields {
		names = append(names, f.Name)
	}
	return names
}

// TestApplySchemaDescribesWhatTheServerSees checks each shape of a CRD
// kind against what controller-gen's CRD and the API server make of it.
func TestApplySchemaDescribesWhatTheServerSees(t *testing.T) {
	s, roots := schemaOf(t, Options{Patterns: []string{"./testdata/apis/applyschema"}})
	root := roots["Widget"]
	require.NotEmpty(t, root)
	at := func(path ...string) schema.Atom { return atomAt(t, s, root, path...) }
	list := func(path ...string) *schema.List {
		a := at(path...)
		require.NotNil(t, a.List, "%v", path)
		return a.List
	}
	scalar := func(path ...string) schema.Scalar {
		a := at(path...)
		require.NotNil(t, a.Scalar, "%v", path)
		return *a.Scalar
	}

	assert.Equal(t, []string{"kind", "apiVersion", "metadata", "spec", "status"}, fieldNames(at()), "TypeMeta inline, json names")
	assert.Equal(t, schema.String, scalar("apiVersion"))
	assert.Equal(t, []string{"replicas", "ports", "tags", "args", "hosts", "selector", "labels", "limits",
		"target", "pinned", "pointer", "size", "port", "started", "every", "raw", "loose", "looser", "data", "grid", "template"},
		fieldNames(at("spec")), "inline flattened, json:\"-\" left out")

	// Lists.
	assert.Equal(t, &schema.List{ElementType: list("spec", "ports").ElementType, ElementRelationship: schema.Associative, Keys: []string{"name", "protocol"}}, list("spec", "ports"))
	assert.Equal(t, schema.Associative, list("spec", "tags").ElementRelationship)
	assert.Empty(t, list("spec", "tags").Keys)
	assert.Equal(t, schema.Atomic, list("spec", "args").ElementRelationship)
	assert.Equal(t, schema.Atomic, list("spec", "hosts").ElementRelationship, "a CRD ignores patch tags")
	assert.Equal(t, schema.Atomic, list("spec", "grid").ElementRelationship)
	assert.Equal(t, schema.Associative, list("status", "conditions").ElementRelationship)
	assert.Equal(t, []string{"type"}, list("status", "conditions").Keys)
	assert.Equal(t, schema.Atomic, list("status", "legacy").ElementRelationship, "unmarked conditions are atomic to a CRD")

	// Maps and structs.
	assert.Equal(t, schema.Atomic, at("spec", "selector").Map.ElementRelationship)
	assert.NotEqual(t, schema.Atomic, at("spec", "labels").Map.ElementRelationship)
	assert.Equal(t, schema.Numeric, scalar("spec", "limits", "*", "max"))
	assert.Equal(t, schema.Atomic, at("spec", "target").Map.ElementRelationship, "+structType=atomic on the field")
	assert.NotEqual(t, schema.Atomic, at("spec", "pointer").Map.ElementRelationship, "the same type elsewhere is granular")
	assert.Equal(t, schema.Atomic, at("spec", "pinned").Map.ElementRelationship, "+structType=atomic on the type")

	// Types with a JSON form of their own.
	for _, f := range []string{"size", "port", "started"} {
		assert.Equal(t, schema.Scalar("untyped"), scalar("spec", f), f)
	}
	assert.Equal(t, schema.String, scalar("spec", "every"))
	assert.Equal(t, schema.String, scalar("spec", "data"), "[]byte is base64")
	assert.NotNil(t, at("spec", "raw").Map.ElementType.NamedType, "RawExtension holds any object")

	// Unknown fields kept, down the tree.
	assert.Equal(t, "__untyped_deduced_", *at("spec", "loose").Map.ElementType.NamedType)
	assert.Equal(t, "__untyped_deduced_", *at("spec", "loose", "inner").Map.ElementType.NamedType)
	assert.Equal(t, "__untyped_deduced_", *at("spec", "looser").Map.ElementType.NamedType, "the deprecated spelling")
	assert.Nil(t, at("spec", "target").Map.ElementType.NamedType, "not elsewhere")

	// Recursive and cross-package types by name.
	tree := atomAt(t, s, roots["Forest"], "tree")
	assert.Equal(t, tree, atomAt(t, s, roots["Forest"], "tree", "children", "[]"))
	assert.Equal(t, tree, atomAt(t, s, roots["Forest"], "tree", "parent"))

	// Metadata is the server's ObjectMeta; nested metadata is controller-gen's free-form object.
	assert.Equal(t, []string{"uid"}, list("metadata", "ownerReferences").Keys)
	assert.Equal(t, schema.Atomic, at("metadata", "ownerReferences", "[]").Map.ElementRelationship)
	assert.Equal(t, schema.Associative, list("metadata", "finalizers").ElementRelationship)
	assert.Equal(t, schema.Atomic, list("metadata", "managedFields").ElementRelationship)
	assert.Empty(t, at("spec", "template", "metadata").Map.Fields)
	assert.Equal(t, []string{"name"}, list("spec", "template", "spec", "containers").Keys, "k8s.io/api's +listMapKey")
}

// TestApplySchemaOfBuiltInKinds: k8s.io/api's kinds are described as
// their OpenAPI describes them, patch tags included.
func TestApplySchemaOfBuiltInKinds(t *testing.T) {
	s, roots := schemaOf(t, Options{Patterns: []string{"k8s.io/api/apps/v1"}, OutputDir: t.TempDir(), Kinds: []string{"StatefulSet"}})
	root := roots["StatefulSet"]
	assert.Equal(t, "io.k8s.api.apps.v1.StatefulSet", root, "the OpenAPI definition's name")
	containers := atomAt(t, s, root, "spec", "template", "spec", "containers").List
	assert.Equal(t, schema.Associative, containers.ElementRelationship)
	assert.Equal(t, []string{"name"}, containers.Keys)
	assert.Equal(t, []string{"containerPort", "protocol"}, atomAt(t, s, root, "spec", "template", "spec", "containers", "[]", "ports").List.Keys)
	assert.Equal(t, schema.Atomic, atomAt(t, s, root, "spec", "volumeClaimTemplates").List.ElementRelationship)
	assert.Equal(t, schema.Atomic, atomAt(t, s, root, "spec", "selector").Map.ElementRelationship, "LabelSelector is +structType=atomic")
	assert.Equal(t, []string{"name"}, atomAt(t, s, root, "spec", "template", "spec", "volumes").List.Keys, "patchMergeKey and +listMapKey agree")
	assert.NotEmpty(t, atomAt(t, s, root, "spec", "template", "metadata").Map.Fields, "a built-in template's metadata is ObjectMeta")
}
