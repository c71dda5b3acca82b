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
