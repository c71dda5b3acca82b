package templates

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// applySchemaConst names the constant holding the package's schema.
const applySchemaConst = model.ApplySchemaConst

// applySchema renders the package's server-side apply schema as a
// constant: the YAML of sigs.k8s.io/structured-merge-diff/v6/schema, one
// line per field.
func (g *gen) applySchema() jen.Code {
	text := schemaYAML(g.pkg.Apply)
	value := jen.Op("`" + text + "`")
	if strings.Contains(text, "`") {
		value = jen.Lit(text)
	}
	return jen.Commentf("%s is the server-side apply schema of the kinds of %s:", applySchemaConst, g.pkg.Path).Line().
		Comment("their types as the API server describes them (JSON names, lists, maps and").Line().
		Comment("structs, list keys), in the YAML of sigs.k8s.io/structured-merge-diff's").Line().
		Comment("schema package. Each kind's conflict.Kind names its root type.").Line().
		Const().Id(applySchemaConst).Op("=").Add(value).Line()
}

// schemaYAML writes a schema in block style for types and fields and in
// flow style for each field's type, so that a field is one line.
func schemaYAML(s *model.ApplySchema) string {
	var b strings.Builder
	b.WriteString("types:\n")
	for _, t := range s.Types {
		b.WriteString("- name: " + yamlString(t.Name) + "\n")
		a := t.Atom
		if a.Scalar != "" {
			b.WriteString("  scalar: " + a.Scalar + "\n")
		}
		if a.List != nil {
			b.WriteString("  list: " + listFlow(a.List) + "\n")
		}
		if m := a.Map; m != nil {
			if len(m.Fields) == 0 {
				b.WriteString("  map: " + mapFlow(m) + "\n")
				continue
			}
			b.WriteString("  map:\n    fields:\n")
			for _, f := range m.Fields {
				b.WriteString("    - {name: " + yamlString(f.Name) + ", type: " + refFlow(f.Type) + "}\n")
			}
			if m.Elem != nil {
				b.WriteString("    elementType: " + refFlow(*m.Elem) + "\n")
			}
			if m.Relationship != "" {
				b.WriteString("    elementRelationship: " + m.Relationship + "\n")
			}
		}
	}
	return b.String()
}

func refFlow(r model.ApplyTypeRef) string {
	var parts []string
	if r.Named != "" {
		parts = append(parts, "namedType: "+yamlString(r.Named))
	} else {
		parts = append(parts, atomFlow(r.Inlined)...)
	}
	if r.Relationship != "" {
		parts = append(parts, "elementRelationship: "+r.Relationship)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func atomFlow(a model.ApplyAtom) []string {
	var parts []string
	if a.Scalar != "" {
		parts = append(parts, "scalar: "+a.Scalar)
	}
	if a.List != nil {
		parts = append(parts, "list: "+listFlow(a.List))
	}
	if a.Map != nil {
		parts = append(parts, "map: "+mapFlow(a.Map))
	}
	return parts
}

func listFlow(l *model.ApplyList) string {
	parts := []string{"elementType: " + refFlow(l.Elem), "elementRelationship: " + l.Relationship}
	if len(l.Keys) > 0 {
		keys := make([]string, len(l.Keys))
		for i, k := range l.Keys {
			keys[i] = yamlString(k)
		}
		parts = append(parts, "keys: ["+strings.Join(keys, ", ")+"]")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func mapFlow(m *model.ApplyMap) string {
	var parts []string
	if len(m.Fields) > 0 {
		fields := make([]string, len(m.Fields))
		for i, f := range m.Fields {
			fields[i] = "{name: " + yamlString(f.Name) + ", type: " + refFlow(f.Type) + "}"
		}
		parts = append(parts, "fields: ["+strings.Join(fields, ", ")+"]")
	}
	if m.Elem != nil {
		parts = append(parts, "elementType: "+refFlow(*m.Elem))
	}
	if m.Relationship != "" {
		parts = append(parts, "elementRelationship: "+m.Relationship)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// plainYAML matches the strings YAML reads back as the same string
// without quotes.
var plainYAML = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

// yamlString writes s as a YAML string, quoted unless it is plain and
// not a word YAML 1.1 reads as a boolean or null.
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return strconv.Quote(s)
	}
	if plainYAML.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}
