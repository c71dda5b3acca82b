package applyschema

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// Emitted is the server-side apply schema of one generated file.
type Emitted struct {
	// Parser holds the parsed schema, Schema.
	Parser *typed.Parser
	// Schema is the parsed schema.
	Schema *schema.Schema
	// Roots are the kinds' root types by kind.
	Roots map[string]string
}

// ReadEmitted parses a generated file's conflictApplySchema constant with
// structured-merge-diff, and reads the root type each kind's conflict.Kind
// variable names, checking that the schema defines it.
func ReadEmitted(content []byte) (*Emitted, error) {
	yaml, err := StringConst(content, "conflictApplySchema")
	if err != nil {
		return nil, err
	}
	p, err := typed.NewParser(typed.YAMLObject(yaml))
	if err != nil {
		return nil, err
	}
	e := &Emitted{Parser: p, Schema: &p.Schema, Roots: map[string]string{}}
	for _, m := range regexp.MustCompile(`NewApplyType\(conflictApplySchema, "([^"]+)"\)`).FindAllStringSubmatch(string(content), -1) {
		if !p.Type(m[1]).IsValid() {
			return nil, fmt.Errorf("the schema has no type %s", m[1])
		}
		e.Roots[m[1][strings.LastIndex(m[1], ".")+1:]] = m[1]
	}
	if len(e.Roots) == 0 {
		return nil, fmt.Errorf("no kind names a type of the schema")
	}
	return e, nil
}

// StringConst returns the value of a string constant or variable of a Go
// file, also when it is converted (typed.YAMLObject(`...`)).
func StringConst(content []byte, name string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", content, 0)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gd.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok || vs.Names[0].Name != name || len(vs.Values) == 0 {
				continue
			}
			value := vs.Values[0]
			if call, ok := value.(*ast.CallExpr); ok && len(call.Args) == 1 {
				value = call.Args[0]
			}
			lit, ok := value.(*ast.BasicLit)
			if !ok {
				return "", fmt.Errorf("%s is not a literal", name)
			}
			return strconv.Unquote(lit.Value)
		}
	}
	return "", fmt.Errorf("no %s", name)
}
