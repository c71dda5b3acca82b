package applyschema

import (
	"math/rand"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/randfill"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	neo4jv1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/neo4j/v1alpha1"
	"github.com/conflict-gen/conflict-gen/generator"
)

// TestRandomObjectsFitTheirSchema converts random objects of every kind
// the other tests compare to typed values of the emitted schema, as the
// runtime does before every apply, and computes their field sets: a
// scalar of the wrong kind, a field the schema lacks or a list map whose
// key is missing would fail here, and with it every apply of the kind.
func TestRandomObjectsFitTheirSchema(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, gatewayv1.Install(scheme))
	require.NoError(t, clusterv1.AddToScheme(scheme))
	require.NoError(t, infrav1alpha1.AddToScheme(scheme))
	require.NoError(t, neo4jv1alpha1.AddToScheme(scheme))
	types := map[[2]string]reflect.Type{}
	for _, typ := range scheme.AllKnownTypes() {
		types[[2]string{typ.PkgPath(), typ.Name()}] = typ
	}

	files, err := generator.Generate(generator.Options{
		Patterns: []string{"k8s.io/api/apps/v1", "k8s.io/api/batch/v1", "k8s.io/api/core/v1", "k8s.io/api/networking/v1",
			"sigs.k8s.io/gateway-api/apis/v1", "sigs.k8s.io/cluster-api/api/core/v1beta2", "github.com/conflict-gen/conflict-gen/examples/api/..."},
		OutputDir: t.TempDir(),
	})
	require.NoError(t, err)
	fill, word := filler(1)
	kinds := 0
	for _, f := range files {
		if f.Content == nil {
			continue
		}
		e := readEmitted(t, f.Content)
		for kind, root := range e.Roots {
			typ, ok := types[[2]string{f.Package, kind}]
			require.True(t, ok, "%s.%s is in no scheme", f.Package, kind)
			kinds++
			for i := 0; i < 20; i++ {
				obj := reflect.New(typ).Interface()
				fill.Fill(obj)
				nonEmpty(reflect.ValueOf(obj), word)
				u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
				require.NoError(t, err)
				tv, err := e.Parser.Type(root).FromUnstructured(u)
				require.NoError(t, err, "%s, object %d", kind, i)
				_, err = tv.ToFieldSet()
				require.NoError(t, err, "%s, object %d", kind, i)
			}
		}
	}
	t.Logf("%d kinds, 20 random objects each", kinds)
}

// filler makes random objects whose values the API server could store
// (as the property tests of test/compat do): times in seconds, quantities
// and raw JSON that parse, strings never empty so that list-map keys and
// set elements are unique. word makes such a string.
func filler(seed int64) (f *randfill.Filler, word func() string) {
	words := rand.New(rand.NewSource(seed))
	word = func() string {
		b := make([]byte, 8+words.Intn(8))
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[words.Intn(36)]
		}
		return string(b)
	}
	f = randfill.NewWithSeed(seed).NilChance(0.3).NumElements(0, 3).MaxDepth(10).Funcs(
		func(s *string, c randfill.Continue) { *s = word() },
		func(t *metav1.Time, c randfill.Continue) { *t = metav1.NewTime(time.Unix(c.Int63n(1<<32), 0).UTC()) },
		func(t *metav1.MicroTime, c randfill.Continue) {
			*t = metav1.NewMicroTime(time.Unix(c.Int63n(1<<32), 0).UTC())
		},
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewQuantity(c.Int63n(1000), resource.DecimalSI)
		},
		func(r *runtime.RawExtension, c randfill.Continue) {
			r.Raw = []byte(`{"n":` + strconv.Itoa(c.Intn(100)) + `}`)
		},
		func(f *metav1.FieldsV1, c randfill.Continue) { f.Raw = []byte(`{"f:n":{}}`) },
		func(j *apiextensionsv1.JSON, c randfill.Continue) {
			j.Raw = []byte(`{"n":` + strconv.Itoa(c.Intn(100)) + `}`)
		},
	)
	return f, word
}

// nonEmpty gives the empty strings of named string types, which randfill
// fills itself and those randfill leaves at its depth limit, a word, and
// the elements of lists of integers distinct
// values.
func nonEmpty(v reflect.Value, word func() string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			nonEmpty(v.Elem(), word)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				nonEmpty(v.Field(i), word)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			if e.CanInt() && e.CanSet() {
				// Sets of numbers (exit codes) hold each value once.
				e.SetInt(int64(i) + 1)
			}
			nonEmpty(e, word)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			nonEmpty(e, word)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.String() == "" && v.CanSet() {
			v.SetString(word())
		}
	}
}
