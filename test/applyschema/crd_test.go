package applyschema

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder"
	"k8s.io/kube-openapi/pkg/schemaconv"
	"sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/yaml"

	"github.com/conflict-gen/conflict-gen/generator"
)

// serverSchema builds a CRD version's schema for server-side apply as the
// API server builds it (buildOpenAPIModelsForApply and
// managedfields.NewTypeConverter in k8s.io/apiextensions-apiserver), and
// returns it with the name of the kind's type.
func serverSchema(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, version string) (*schema.Schema, string) {
	t.Helper()
	spec, err := builder.BuildOpenAPIV3(crd, version, builder.Options{})
	require.NoError(t, err)
	s, err := schemaconv.ToSchemaFromOpenAPI(spec.Components.Schemas, crd.Spec.PreserveUnknownFields)
	require.NoError(t, err)
	for name := range spec.Components.Schemas {
		if strings.HasSuffix(name, "."+crd.Spec.Names.Kind) {
			return s, name
		}
	}
	t.Fatalf("no type for %s in the CRD's OpenAPI", crd.Spec.Names.Kind)
	return nil, ""
}

// TestExampleKindsAgreeWithTheirCRDs compares the schema generated for
// each kind of the examples with the one the API server builds from the
// CRD that controller-gen generated for it, all the way down; metadata is
// the server's ObjectMeta on both sides.
func TestExampleKindsAgreeWithTheirCRDs(t *testing.T) {
	crds, err := filepath.Glob(filepath.Join("..", "..", "examples", "config", "crd", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, crds)
	builtin := clientGoSchema(t)
	for _, path := range crds {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var crd apiextensionsv1.CustomResourceDefinition
		require.NoError(t, yaml.Unmarshal(data, &crd))
		for _, v := range crd.Spec.Versions {
			kind := crd.Spec.Names.Kind
			t.Run(kind+"/"+v.Name, func(t *testing.T) {
				label, _, _ := strings.Cut(crd.Spec.Group, ".")
				content, err := os.ReadFile(filepath.Join("..", "..", "examples", "zz_generated", label, v.Name, "zz_generated.conflict.go"))
				require.NoError(t, err)
				e := readEmitted(t, content)
				root, ok := e.roots[kind]
				require.True(t, ok, "no schema for %s", kind)
				theirs, theirRoot := serverSchema(t, &crd, v.Name)
				assert.Empty(t, compare(side{schema: e.schema}, side{schema: theirs, fallback: builtin}, named(root), named(theirRoot), kind, map[string]bool{}))
			})
		}
	}
}

// TestEveryShapeAgreesWithControllerGensCRD generates the CRD of the
// generator's test kind that has every shape (topology markers, inline
// structs, times, quantities, int-or-strings, raw extensions, kept
// unknown fields, recursive types, a pod template) with controller-gen,
// and compares the API server's schema for it with conflict-gen's.
func TestEveryShapeAgreesWithControllerGensCRD(t *testing.T) {
	here, err := os.Getwd()
	require.NoError(t, err)
	root := filepath.Dir(filepath.Dir(here))
	builtin := clientGoSchema(t)
	out := t.TempDir()
	t.Chdir(root)
	pkg := "./generator/testdata/apis/applyschema"
	cmd := exec.Command("go", "tool", "controller-gen", "crd:allowDangerousTypes=true", "paths="+pkg, "output:crd:dir="+out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	data, err := os.ReadFile(filepath.Join(out, "apply.example.com_widgets.yaml"))
	require.NoError(t, err)
	var crd apiextensionsv1.CustomResourceDefinition
	require.NoError(t, yaml.Unmarshal(data, &crd))

	files, err := generator.Generate(generator.Options{Patterns: []string{pkg}, OutputDir: t.TempDir()})
	require.NoError(t, err)
	require.Len(t, files, 1)
	e := readEmitted(t, files[0].Content)
	theirs, theirRoot := serverSchema(t, &crd, "v1")
	assert.Empty(t, compare(side{schema: e.schema}, side{schema: theirs, fallback: builtin}, named(e.roots["Widget"]), named(theirRoot), "Widget", map[string]bool{}))
}
