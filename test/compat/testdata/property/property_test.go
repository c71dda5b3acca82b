// Package property checks the generated merges of real kinds on random
// objects. TestWildAPIPackagesGenerateCompileAndVet copies it into its
// scratch module, next to the generated packages, and runs it with a
// fixed seed; -seed and -runs (PROPERTY_SEED and PROPERTY_RUNS there) run
// it on other or more objects.
package property

import (
	"flag"
	"fmt"
	"math/rand"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/randfill"

	appsgen "example.com/scratch/gen/apps/v1"
	clustergen "example.com/scratch/gen/cluster/v1beta2"
	gatewaygen "example.com/scratch/gen/gateway/v1"
)

var (
	seed = flag.Int64("seed", 1, "seed of the random objects")
	runs = flag.Int("runs", 30, "random objects per kind")
)

func TestDeployment(t *testing.T)        { check(t, appsgen.MergeDeployment) }
func TestStatefulSet(t *testing.T)       { check(t, appsgen.MergeStatefulSet) }
func TestDaemonSet(t *testing.T)         { check(t, appsgen.MergeDaemonSet) }
func TestCluster(t *testing.T)           { check(t, clustergen.MergeCluster) }
func TestMachineDeployment(t *testing.T) { check(t, clustergen.MergeMachineDeployment) }
func TestMachine(t *testing.T)           { check(t, clustergen.MergeMachine) }
func TestHTTPRoute(t *testing.T)         { check(t, gatewaygen.MergeHTTPRoute) }
func TestGateway(t *testing.T)           { check(t, gatewaygen.MergeGateway) }

// filler makes random objects whose values are ones the API server could
// store: times in seconds, quantities and raw JSON that parse, and
// strings that are never empty, so that the keys of a list map (a
// container's name) are unique, as the API server requires.
func filler(seed int64) *randfill.Filler {
	return randfill.NewWithSeed(seed).NilChance(0.3).NumElements(0, 3).MaxDepth(12).Funcs(
		func(s *string, c randfill.Continue) { *s = word(c) },
		func(t *metav1.Time, c randfill.Continue) {
			*t = metav1.NewTime(time.Unix(c.Int63n(1<<32), 0).UTC())
		},
		func(t *metav1.MicroTime, c randfill.Continue) {
			*t = metav1.NewMicroTime(time.Unix(c.Int63n(1<<32), 0).UTC())
		},
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewQuantity(c.Int63n(1000), resource.DecimalSI)
		},
		func(r *runtime.RawExtension, c randfill.Continue) {
			r.Raw = []byte(`{"n":` + strconv.Itoa(c.Intn(100)) + `}`)
		},
		func(f *metav1.FieldsV1, c randfill.Continue) {
			f.Raw = []byte(`{"f:n":{}}`)
		},
	)
}

// word is a random string that is never empty, and holds the characters
// that once made composite list-map keys ambiguous.
func word(c interface{ Intn(int) int }) string {
	b := make([]byte, 6+c.Intn(8))
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz0123456789-=,."[c.Intn(40)]
	}
	return string(b)
}

type object[T any] interface {
	*T
	DeepCopyObject() runtime.Object
}

func copyOf[T any, P object[T]](in P) P { return any(in.DeepCopyObject()).(P) }

// check asserts, on random objects of one kind: nothing changed gives the
// base; only current changed gives current; only desired's spec changed
// gives desired; the inputs are never modified and the result shares no
// memory with them.
func check[T any, P object[T]](t *testing.T, merge func(base, current, desired P) (P, error)) {
	f := filler(*seed)
	words := rand.New(rand.NewSource(*seed))
	random := func() P {
		v := P(new(T))
		f.Fill(v)
		// Strings of named types (a condition's type, a protocol) are
		// filled by randfill itself, and may be empty: give them a word,
		// so that list-map keys are unique.
		walk(reflect.ValueOf(v), "", func(uintptr, string) {}, func(s reflect.Value) {
			if s.String() == "" && s.CanSet() {
				s.SetString(word(words))
			}
		})
		return v
	}
	run := func(what string, base, current, desired, want P) {
		t.Helper()
		b, c, d := copyOf(base), copyOf(current), copyOf(desired)
		got, err := merge(b, c, d)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !equality.Semantic.DeepEqual(got, want) {
			t.Fatalf("%s: the merge differs from what it should be (-want +got):\n%s", what, cmp.Diff(want, got))
		}
		for _, in := range []struct{ now, was P }{{b, base}, {c, current}, {d, desired}} {
			if !equality.Semantic.DeepEqual(in.now, in.was) {
				t.Fatalf("%s: an input changed (-before +after):\n%s", what, cmp.Diff(in.was, in.now))
			}
		}
		if shared := sharedMemory(got, b, c, d); shared != "" {
			t.Fatalf("%s: the result shares memory with an input at %s", what, shared)
		}
	}
	for i := 0; i < *runs; i++ {
		base := random()
		run(fmt.Sprintf("object %d, nothing changed", i), base, base, base, base)
		current := random()
		run(fmt.Sprintf("object %d, only current changed", i), base, current, base, current)
		desired := copyOf(base)
		spec := reflect.ValueOf(desired).Elem().FieldByName("Spec")
		spec.Set(reflect.ValueOf(random()).Elem().FieldByName("Spec"))
		run(fmt.Sprintf("object %d, only desired's spec changed", i), base, base, desired, desired)
	}
}

// sharedMemory returns the path of a slice, map or pointer of out that
// points into memory of one of the inputs, or "". The location of a
// time.Time is shared by design (metav1.Time's DeepCopyInto shares it).
func sharedMemory(out any, inputs ...any) string {
	owned := map[uintptr]bool{}
	for _, in := range inputs {
		walk(reflect.ValueOf(in), "", func(p uintptr, _ string) { owned[p] = true }, nil)
	}
	found := ""
	walk(reflect.ValueOf(out), "", func(p uintptr, path string) {
		if found == "" && owned[p] {
			found = path
		}
	}, nil)
	return found
}

var timeType = reflect.TypeOf(time.Time{})

// walk visits every pointer, slice and map reachable from v, and, when
// str is not nil, every string.
func walk(v reflect.Value, path string, visit func(uintptr, string), str func(reflect.Value)) {
	switch v.Kind() {
	case reflect.String:
		if str != nil {
			str(v)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		visit(v.Pointer(), path)
		walk(v.Elem(), path, visit, str)
	case reflect.Slice:
		if v.Len() == 0 {
			return
		}
		visit(v.Pointer(), path)
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", visit, str)
		}
	case reflect.Map:
		if v.Len() == 0 {
			return
		}
		visit(v.Pointer(), path)
		iter := v.MapRange()
		for iter.Next() {
			walk(iter.Value(), path+"["+fmt.Sprint(iter.Key())+"]", visit, str)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			walk(v.Field(i), path+"."+v.Type().Field(i).Name, visit, str)
		}
	case reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, visit, str)
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", visit, str)
		}
	}
}
