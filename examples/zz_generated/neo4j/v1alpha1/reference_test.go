package v1alpha1_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// This file is an independent reference for the generated MergeX: a
// three-way merge over unstructured JSON maps, written from the rules of
// the README, that learns the topology of lists and maps from the CRD that
// controller-gen generated (x-kubernetes-list-type and friends), not from
// the Go markers conflict-gen reads. What a CRD cannot say (strategies,
// patch tags, which structs are pointers) is in refRules.

// refRules are the strategies and topology of the Neo4j example that its
// CRD does not carry, by JSON path without list keys.
var refRules = map[string]string{
	"spec.topology.servers":        "max",
	"spec.topology.maxUnavailable": "min",
	"spec.storage.size":            "max",
	"spec.plugins":                 "set",        // +conflict:merge=union
	"spec.env":                     "map:name",   // patchStrategy:"merge" patchMergeKey:"name"
	"status.servers":               "conditions", // +conflict:merge=conditions
	"status.endpoints":             "theirs",
	"spec.backup":                  "pointer",
	"spec.env.valueFrom":           "pointer",
}

// absent marks a field that a side does not have.
type absentT struct{}

var absent = absentT{}

func loadCRDSchema(t testing.TB) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../../../config/crd/neo4j.neo4j.com_neo4jenterpriseclusters.yaml")
	require.NoError(t, err)
	var crd map[string]any
	require.NoError(t, yaml.Unmarshal(data, &crd))
	version := crd["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)
	return version["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
}

// referenceMerge merges three objects as JSON.
func referenceMerge(t testing.TB, schema map[string]any, base, current, desired *cluster) map[string]any {
	t.Helper()
	b, c, d := toMap(t, base), toMap(t, current), toMap(t, desired)
	out := map[string]any{}
	for _, k := range keysOf(b, c, d) {
		var v any
		switch k {
		case "metadata":
			v = refMetadata(get(b, k), get(c, k), get(d, k))
		case "apiVersion", "kind":
			v = get(c, k)
		default:
			props := schema["properties"].(map[string]any)
			v = refMerge(props[k].(map[string]any), k, "ours", get(b, k), get(c, k), get(d, k))
		}
		if v != absent {
			out[k] = v
		}
	}
	return normalize(out).(map[string]any)
}

func toMap(t testing.TB, obj *cluster) map[string]any {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	require.NoError(t, err)
	return m
}

func get(m any, k string) any {
	mm, ok := m.(map[string]any)
	if !ok {
		return absent
	}
	v, ok := mm[k]
	if !ok {
		return absent
	}
	return v
}

func keysOf(ms ...any) []string {
	var keys []string
	seen := map[string]bool{}
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		for k := range mm {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func refMetadata(b, c, d any) any {
	out := map[string]any{}
	for k, v := range c.(map[string]any) {
		out[k] = v // identity and server-managed fields: current's
	}
	set := func(k string, v any) {
		if v == absent {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	set("labels", refMap("ours", get(b, "labels"), get(c, "labels"), get(d, "labels")))
	set("annotations", refMap("ours", get(b, "annotations"), get(c, "annotations"), get(d, "annotations")))
	set("finalizers", refSet(get(b, "finalizers"), get(c, "finalizers"), get(d, "finalizers")))
	set("ownerReferences", refListMap(nil, "metadata.ownerReferences", "ours", []string{"uid"}, false,
		get(b, "ownerReferences"), get(c, "ownerReferences"), get(d, "ownerReferences")))
	return out
}

// refMerge merges one value described by schema.
func refMerge(schema map[string]any, path, strategy string, b, c, d any) any {
	rule := refRules[path]
	switch rule {
	case "ours", "theirs", "strict", "max", "min":
		strategy = rule
	}
	typ, _ := schema["type"].(string)
	switch {
	case rule == "set":
		return refSet(b, c, d)
	case strings.HasPrefix(rule, "map:"):
		return refListMap(schema["items"].(map[string]any), path, strategy, []string{strings.TrimPrefix(rule, "map:")}, false, b, c, d)
	case rule == "conditions":
		return refListMap(schema["items"].(map[string]any), path, strategy, []string{"type"}, true, b, c, d)
	case typ == "array":
		switch schema["x-kubernetes-list-type"] {
		case "set":
			return refSet(b, c, d)
		case "map":
			var keys []string
			for _, k := range schema["x-kubernetes-list-map-keys"].([]any) {
				keys = append(keys, k.(string))
			}
			_, isCondition := schema["items"].(map[string]any)["properties"].(map[string]any)["lastTransitionTime"]
			return refListMap(schema["items"].(map[string]any), path, strategy, keys, isCondition, b, c, d)
		}
		return refLeaf(strategy, b, c, d)
	case typ == "object" && schema["x-kubernetes-map-type"] == "atomic":
		return refLeaf(strategy, b, c, d)
	case typ == "object" && schema["properties"] != nil:
		if rule == "pointer" && (b == absent || c == absent || d == absent) {
			if c != absent && d != absent {
				b = map[string]any{} // both added it
			} else {
				return refLeaf(strategy, b, c, d)
			}
		}
		props := schema["properties"].(map[string]any)
		out := map[string]any{}
		for _, k := range keysOf(b, c, d) {
			childPath := strings.TrimSuffix(path, "[]") + "." + k // elements' fields are named as the list's
			if v := refMerge(props[k].(map[string]any), childPath, strategy, get(b, k), get(c, k), get(d, k)); v != absent {
				out[k] = v
			}
		}
		return out
	case typ == "object" && schema["additionalProperties"] != nil:
		return refMap(strategy, b, c, d)
	}
	return refLeaf(strategy, b, c, d)
}

func refLeaf(strategy string, b, c, d any) any {
	eq := reflect.DeepEqual
	switch {
	case eq(d, b) || eq(c, d):
		return c
	case eq(c, b):
		return d
	}
	switch strategy {
	case "theirs", "strict":
		return c
	case "max", "min":
		larger := refCompare(c, d) > 0
		if larger == (strategy == "max") {
			return c
		}
		return d
	}
	return d
}

// refCompare orders JSON numbers, quantities and RFC 3339 times.
func refCompare(a, b any) int {
	if a == absent || b == absent {
		if a == absent {
			return -1
		}
		return 1
	}
	switch a := a.(type) {
	case int64:
		return int(a - b.(int64))
	case string:
		if ta, err := time.Parse(time.RFC3339, a); err == nil {
			tb, _ := time.Parse(time.RFC3339, b.(string))
			return ta.Compare(tb)
		}
		qa, errA := resource.ParseQuantity(a)
		qb, errB := resource.ParseQuantity(b.(string))
		if errA == nil && errB == nil {
			return qa.Cmp(qb)
		}
		return strings.Compare(a, b.(string))
	}
	panic(fmt.Sprintf("cannot order %T", a))
}

func refMap(strategy string, b, c, d any) any {
	out := map[string]any{}
	for _, k := range keysOf(b, c, d) {
		if v := refLeaf(strategy, get(b, k), get(c, k), get(d, k)); v != absent {
			out[k] = v
		}
	}
	if len(out) == 0 && c == absent && d == absent {
		return absent
	}
	return out
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func contains(l []any, v any) bool {
	for _, x := range l {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

func refSet(b, c, d any) any {
	bl, cl, dl := list(b), list(c), list(d)
	if reflect.DeepEqual(d, b) || reflect.DeepEqual(c, d) {
		return c
	}
	if reflect.DeepEqual(c, b) {
		return d
	}
	var out []any
	for _, e := range cl {
		if (!contains(bl, e) || contains(dl, e)) && !contains(out, e) {
			out = append(out, e)
		}
	}
	for _, e := range dl {
		if !contains(bl, e) && !contains(out, e) {
			out = append(out, e)
		}
	}
	if out == nil {
		return []any{}
	}
	return out
}

func refListMap(itemSchema map[string]any, path, strategy string, keys []string, condition bool, b, c, d any) any {
	key := func(e any) string {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprint(get(e, k))
		}
		return strings.Join(parts, ",")
	}
	find := func(l []any, k string) any {
		for _, e := range l {
			if key(e) == k {
				return e
			}
		}
		return absent
	}
	sameKeys := func(x, y []any) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if key(x[i]) != key(y[i]) {
				return false
			}
		}
		return true
	}
	bl, cl, dl := list(b), list(c), list(d)
	mergeElem := func(be, ce, de any) any {
		if ce != absent && de != absent {
			if be == absent {
				be = map[string]any{}
			}
			if itemSchema == nil { // atomic elements
				return refLeaf(strategy, be, ce, de)
			}
			out := refMerge(itemSchema, path+"[]", strategy, be, ce, de).(map[string]any)
			if condition {
				switch {
				case reflect.DeepEqual(get(out, "status"), get(ce, "status")):
					out["lastTransitionTime"] = get(ce, "lastTransitionTime")
				case reflect.DeepEqual(get(out, "status"), get(de, "status")):
					out["lastTransitionTime"] = get(de, "lastTransitionTime")
				}
			}
			return out
		}
		return refLeaf(strategy, be, ce, de) // added, removed, or removed and changed
	}
	primary, secondary := cl, dl
	if sameKeys(bl, cl) {
		primary, secondary = dl, cl
	}
	var out []any
	emit := func(k string) {
		if v := mergeElem(find(bl, k), find(cl, k), find(dl, k)); v != absent {
			out = append(out, v)
		}
	}
	for _, e := range primary {
		emit(key(e))
	}
	for _, e := range secondary {
		if find(primary, key(e)) == absent {
			emit(key(e))
		}
	}
	if out == nil {
		if c == absent && d == absent {
			return absent
		}
		return []any{}
	}
	return out
}

// normalize drops empty maps and lists, which JSON cannot tell from absent
// fields once omitempty is applied.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if x = normalize(x); x != absent {
				out[k] = x
			}
		}
		if len(out) == 0 {
			return absent
		}
		return out
	case []any:
		if len(v) == 0 {
			return absent
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x)
			if out[i] == absent {
				out[i] = map[string]any{}
			}
		}
		return out
	}
	return v
}
