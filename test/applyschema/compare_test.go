package applyschema

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// readEmitted is ReadEmitted, failing t on an error.
func readEmitted(t *testing.T, content []byte) *Emitted {
	t.Helper()
	e, err := ReadEmitted(content)
	require.NoError(t, err)
	return e
}

// stringConst is StringConst, failing t on an error.
func stringConst(t *testing.T, content []byte, name string) string {
	t.Helper()
	s, err := StringConst(content, name)
	require.NoError(t, err)
	return s
}

// clientGoSchema is the schema of Kubernetes' built-in types that client-go
// ships for its apply configurations (the API server's, converted from its
// OpenAPI by the same code).
func clientGoSchema(t *testing.T) *schema.Schema {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/client-go").Output()
	require.NoError(t, err)
	content, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "applyconfigurations", "internal", "internal.go"))
	require.NoError(t, err)
	p, err := typed.NewParser(typed.YAMLObject(stringConst(t, content, "schemaYAML")))
	require.NoError(t, err)
	return &p.Schema
}

// side is one schema being compared; refs it does not define are looked
// up in fallback (a CRD's schema refers to the server's ObjectMeta).
type side struct {
	schema, fallback *schema.Schema
}

func (s side) resolve(ref schema.TypeRef) (schema.Atom, bool) {
	if a, ok := s.schema.Resolve(ref); ok {
		return a, true
	}
	if s.fallback != nil {
		return s.fallback.Resolve(ref)
	}
	return schema.Atom{}, false
}

// compare lists where ours describes a value otherwise than theirs: the
// scalar kinds, list relationships and keys, map relationships, field
// names and element types that decide the field sets. Defaults and unions
// are not compared. An untyped scalar matches the server's "any value"
// atom (an int-or-string, untyped but also list and map in a CRD), since
// a value of the Go type is always a scalar.
func compare(ours, theirs side, o, th schema.TypeRef, path string, seen map[string]bool) []string {
	if o.NamedType != nil && th.NamedType != nil {
		key := fmt.Sprint(*o.NamedType, "|", *th.NamedType, "|", o.ElementRelationship, th.ElementRelationship)
		if seen[key] {
			return nil
		}
		seen[key] = true
	}
	oa, ok := ours.resolve(o)
	if !ok {
		return []string{path + ": ours does not resolve"}
	}
	ta, ok := theirs.resolve(th)
	if !ok {
		return []string{path + ": theirs does not resolve"}
	}
	if oa.Scalar != nil && *oa.Scalar == "untyped" && oa.List == nil && oa.Map == nil && ta.Scalar != nil && *ta.Scalar == "untyped" {
		return nil
	}
	var diffs []string
	diff := func(format string, args ...any) { diffs = append(diffs, path+": "+fmt.Sprintf(format, args...)) }
	if (oa.Scalar == nil) != (ta.Scalar == nil) || (oa.Scalar != nil && *oa.Scalar != *ta.Scalar) {
		diff("scalar %v, theirs %v", deref(oa.Scalar), deref(ta.Scalar))
	}
	if (oa.List == nil) != (ta.List == nil) {
		diff("list %v, theirs %v", oa.List != nil, ta.List != nil)
	} else if oa.List != nil {
		or, tr := listRelation(oa.List), listRelation(ta.List)
		if or != tr || !slices.Equal(oa.List.Keys, ta.List.Keys) {
			diff("list %s %v, theirs %s %v", or, oa.List.Keys, tr, ta.List.Keys)
		}
		diffs = append(diffs, compare(ours, theirs, oa.List.ElementType, ta.List.ElementType, path+"[]", seen)...)
	}
	if (oa.Map == nil) != (ta.Map == nil) {
		diff("map %v, theirs %v", oa.Map != nil, ta.Map != nil)
	} else if oa.Map != nil {
		if or, tr := mapRelation(oa.Map), mapRelation(ta.Map); or != tr {
			diff("map %s, theirs %s", or, tr)
		}
		for _, f := range ta.Map.Fields {
			of, ok := oa.Map.FindField(f.Name)
			if !ok {
				diff("no field %s", f.Name)
				continue
			}
			diffs = append(diffs, compare(ours, theirs, of.Type, f.Type, path+"."+f.Name, seen)...)
		}
		for _, f := range oa.Map.Fields {
			if _, ok := ta.Map.FindField(f.Name); !ok {
				diff("field %s, which theirs has not", f.Name)
			}
		}
		oe, te := hasType(oa.Map.ElementType), hasType(ta.Map.ElementType)
		if oe != te {
			diff("element type %v, theirs %v", oe, te)
		} else if oe {
			diffs = append(diffs, compare(ours, theirs, oa.Map.ElementType, ta.Map.ElementType, path+".*", seen)...)
		}
	}
	return diffs
}

func deref(s *schema.Scalar) string {
	if s == nil {
		return "none"
	}
	return string(*s)
}

func listRelation(l *schema.List) schema.ElementRelationship {
	if l.ElementRelationship == "" {
		return schema.Atomic
	}
	return l.ElementRelationship
}

func mapRelation(m *schema.Map) schema.ElementRelationship {
	if m.ElementRelationship == "" {
		return schema.Separable
	}
	return m.ElementRelationship
}

func hasType(r schema.TypeRef) bool {
	return r.NamedType != nil || r.Inlined.Scalar != nil || r.Inlined.List != nil || r.Inlined.Map != nil
}

func named(name string) schema.TypeRef { return schema.TypeRef{NamedType: &name} }
