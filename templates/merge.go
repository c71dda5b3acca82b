package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// copyFuncs maps each copy to the runtime's copy function.
var copyFuncs = map[model.Copy]string{
	model.CopyValue: "CopyValue", model.CopyDeep: "CopyDeep",
	model.CopySlice: "CopySlice", model.CopySliceDeep: "CopySliceDeep",
	model.CopyMap: "CopyMap", model.CopyMapDeep: "CopyMapDeep",
	model.CopyPtr: "CopyPtr", model.CopyPtrDeep: "CopyPtrDeep",
	model.CopyShallow: "CopyShallow",
}

// mergeHelpers renders MergeX, UpdateXFrom and (with a status subresource)
// UpdateXStatusFrom for the current kind.
func (g *gen) mergeHelpers() jen.Code {
	k := g.kind
	out := jen.Null()
	out.Commentf("%s merges three versions of %s, as git merges files: base is what", k.MergeFunc(), article(k.Name)).Line().
		Comment("the caller read, current what the server has now, desired what the caller").Line().
		Comment("wants. A field changed on one side only takes that side's value; a field").Line().
		Comment("changed on both sides is decided by its +conflict:merge strategy (desired").Line().
		Comment("wins by default). Lists, maps and structs merge as the API server's").Line().
		Comment("topology markers describe them. The result is a new object that shares no").Line().
		Comment("memory with the inputs, which are not modified. Fields under the strict").Line().
		Comment("strategy that both sides changed are reported in a *conflict.MergeError.").Line()
	result := jen.Op("&").Id("out")
	args := []jen.Code{jen.Id("m"), jen.Lit(""), g.imports.qual(conflictPath, "Ours"), jen.Id("base"), jen.Id("current"), jen.Id("desired")}
	merge := jen.Id("out").Op(":=").Id(k.Merge.Func).Call(args...)
	if k.Merge.InPlace {
		// The kind holds a lock: it is filled in place, never copied.
		result = jen.Id("out")
		merge = jen.Id("out").Op(":=").New(g.api(k.Name)).Line().Id(k.Merge.Func).Call(append(args, jen.Id("out"))...)
	}
	if k.Merge.Shares {
		// Some field's type has no copy the merge can make as it goes.
		result = jen.Id("out").Dot("DeepCopy").Call()
	}
	out.Func().Id(k.MergeFunc()).Params(
		jen.List(jen.Id("base"), jen.Id("current"), jen.Id("desired")).Add(g.ptrKind()),
	).Params(g.ptrKind(), jen.Error()).Block(
		jen.Id("m").Op(":=").Op("&").Add(g.imports.qual(conflictPath, "Merger")).Values(),
		merge,
		jen.If(jen.Err().Op(":=").Id("m").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(result, jen.Nil()),
	).Line()

	out.Commentf("%s writes modified, an edited copy of original, with original's", k.UpdateFromFunc()).Line().
		Commentf("resourceVersion. On a conflict it reads the %s again, merges with %s", k.Name, k.MergeFunc()).Line().
		Comment("(original, what it read, modified) and writes the result, retrying as").Line().
		Commentf("%s does. A *conflict.MergeError stops it and nothing is written.", k.UpdateFunc()).Line().
		Comment("On success modified holds the server's answer. See conflict.UpdateFrom.").Line()
	out.Func().Id(k.UpdateFromFunc()).Params(g.fromParams()...).Error().Block(
		jen.Return(g.imports.qual(conflictPath, "UpdateFrom").Call(g.fromArgs()...)),
	).Line()

	if k.StatusSubresource {
		out.Commentf("%s is %s through the status subresource.", k.UpdateStatusFromFunc(), k.UpdateFromFunc()).Line().
			Comment("See conflict.UpdateStatusFrom.").Line()
		out.Func().Id(k.UpdateStatusFromFunc()).Params(g.fromParams()...).Error().Block(
			jen.Return(g.imports.qual(conflictPath, "UpdateStatusFrom").Call(g.fromArgs()...)),
		).Line()
	}
	return out
}

func (g *gen) fromParams() []jen.Code {
	return []jen.Code{
		jen.Id("ctx").Add(g.imports.qual(contextPath, "Context")),
		jen.Id("c").Add(g.imports.qual(clientPath, "Client")),
		jen.List(jen.Id("original"), jen.Id("modified")).Add(g.ptrKind()),
		jen.Id("opts").Op("...").Add(g.imports.qual(conflictPath, "Option")),
	}
}

func (g *gen) fromArgs() []jen.Code {
	return []jen.Code{jen.Id("ctx"), jen.Id("c"), g.kindValue(), jen.Id("original"), jen.Id("modified"),
		jen.Id(g.kind.MergeFunc()), jen.Id("opts").Op("...")}
}

// mergeStruct renders the merge function of one struct type.
func (g *gen) mergeStruct(s *model.MergeStruct) jen.Code {
	typ := g.imports.qual(s.Type.Path, s.Type.Name)
	body := []jen.Code{
		jen.Defer().Id("m").Dot("Under").Call(jen.Id("m").Dot("Mark").Call(), jen.Id("name")),
	}
	for _, f := range s.Fields {
		body = append(body, g.mergeFieldStmt(f))
	}
	if s.Condition {
		// meta.SetStatusCondition moves LastTransitionTime only when the
		// status changes: keep the time of the side whose status won.
		body = append(body, jen.If(jen.Id("out").Dot("Status").Op("==").Id("current").Dot("Status")).Block(
			jen.Id("out").Dot("LastTransitionTime").Op("=").Id("current").Dot("LastTransitionTime"),
		).Else().If(jen.Id("out").Dot("Status").Op("==").Id("desired").Dot("Status")).Block(
			jen.Id("out").Dot("LastTransitionTime").Op("=").Id("desired").Dot("LastTransitionTime"),
		))
	}
	params := []jen.Code{
		jen.Id("m").Op("*").Add(g.imports.qual(conflictPath, "Merger")),
		jen.Id("name").String(),
		jen.Id("s").Add(g.imports.qual(conflictPath, "Strategy")),
		jen.List(jen.Id("base"), jen.Id("current"), jen.Id("desired")).Op("*").Add(typ),
	}
	out := jen.Null()
	if s.InPlace {
		out.Commentf("%s merges %s field by field into out. %s holds a lock,", s.Func, s.Type.Name, s.Type.Name).Line().
			Comment("so it is filled in place, never copied.").Line()
		params[len(params)-1] = jen.List(jen.Id("base"), jen.Id("current"), jen.Id("desired"), jen.Id("out")).Op("*").Add(typ)
		out.Func().Id(s.Func).Params(params...).Block(body...).Line()
		return out
	}
	body = append(body, jen.Return(jen.Id("out")))
	out.Commentf("%s merges %s field by field.", s.Func, s.Type.Name).Line()
	out.Func().Id(s.Func).Params(params...).Params(jen.Id("out").Add(typ.Clone())).Block(body...).Line()
	return out
}

// mergeFieldStmt renders the statement that merges one field into out:
// an assignment, or, for a value that must not be copied, a call that
// fills it through pointers.
func (g *gen) mergeFieldStmt(f *model.MergeField) jen.Code {
	if !f.InPlace {
		return jen.Id("out").Dot(f.GoName).Op("=").Add(g.mergeField(f))
	}
	sel := func(side string) *jen.Statement { return jen.Op("&").Id(side).Dot(f.GoName) }
	four := []jen.Code{sel("base"), sel("current"), sel("desired"), sel("out")}
	head := []jen.Code{jen.Id("m"), jen.Lit(f.Path), g.strategy(f)}
	switch f.Op {
	case model.OpStruct:
		return jen.Id(f.Struct.Func).Call(append(head, four...)...)
	case model.OpAtomic:
		if f.ByElement {
			// An array of values that hold a lock: the one that wins is
			// copied element by element.
			winner := g.imports.qual(conflictPath, "Atomic").Call(append(head, sel("base"), sel("current"), sel("desired"), g.imports.qual(conflictPath, "CopyValue"))...)
			return jen.Block(
				jen.Id("src").Op(":=").Add(winner),
				jen.For(jen.Id("i").Op(":=").Range().Id("src")).Block(
					jen.Id("src").Index(jen.Id("i")).Dot("DeepCopyInto").Call(jen.Op("&").Id("out").Dot(f.GoName).Index(jen.Id("i"))),
				),
			)
		}
		return g.imports.qual(conflictPath, "AtomicInto").Call(append(head, four...)...)
	case model.OpCurrent:
		if f.ByElement {
			return jen.For(jen.Id("i").Op(":=").Range().Id("current").Dot(f.GoName)).Block(
				jen.Id("current").Dot(f.GoName).Index(jen.Id("i")).Dot("DeepCopyInto").Call(jen.Op("&").Id("out").Dot(f.GoName).Index(jen.Id("i"))),
			)
		}
		return jen.Id("current").Dot(f.GoName).Dot("DeepCopyInto").Call(sel("out"))
	}
	panic(fmt.Sprintf("templates: field %s holds a lock and merges with op %d, which cannot merge in place", f.GoName, f.Op))
}

// strategy is the field's own strategy, or the enclosing one (s).
func (g *gen) strategy(f *model.MergeField) *jen.Statement {
	if f.Strategy == model.NoStrategy {
		return jen.Id("s")
	}
	return g.imports.qual(conflictPath, f.Strategy.Runtime())
}

// mergeField renders the expression that merges one field.
func (g *gen) mergeField(f *model.MergeField) jen.Code {
	sel := func(side string) *jen.Statement { return jen.Id(side).Dot(f.GoName) }
	three := []jen.Code{sel("base"), sel("current"), sel("desired")}
	strategy := g.strategy(f)
	call := func(fn string, args ...jen.Code) jen.Code {
		head := []jen.Code{jen.Id("m"), jen.Lit(f.Path), strategy}
		return g.imports.qual(conflictPath, fn).Call(append(append(head, three...), args...)...)
	}
	switch f.Op {
	case model.OpCurrent:
		if f.Copy == model.CopyValue || f.Copy == model.CopyShallow {
			return sel("current")
		}
		return g.copyFunc(f.Copy).Call(sel("current"))
	case model.OpObjectMeta:
		return g.imports.qual(conflictPath, "MergeObjectMeta").Call(jen.Id("m"), jen.Lit(f.Path), strategy,
			jen.Op("&").Add(sel("base")), jen.Op("&").Add(sel("current")), jen.Op("&").Add(sel("desired")))
	case model.OpLeaf:
		return call("Leaf")
	case model.OpLeafPtr:
		return call("LeafPtr")
	case model.OpOrdered:
		return call("Ordered")
	case model.OpOrderedPtr:
		return call("OrderedPtr")
	case model.OpCompared:
		return call("Compared", g.imports.qual(conflictPath, f.Compare), g.copyFunc(f.Copy))
	case model.OpComparedPtr:
		return call("ComparedPtr", g.imports.qual(conflictPath, f.Compare), g.copyFunc(f.Copy))
	case model.OpAtomicSlice:
		return call("AtomicSlice")
	case model.OpStruct:
		return jen.Id(f.Struct.Func).Call(jen.Id("m"), jen.Lit(f.Path), strategy,
			jen.Op("&").Add(sel("base")), jen.Op("&").Add(sel("current")), jen.Op("&").Add(sel("desired")))
	case model.OpStructPtr:
		if f.Struct.InPlace {
			return call("MergePtrInto", jen.Id(f.Struct.Func))
		}
		return call("MergePtr", jen.Id(f.Struct.Func))
	case model.OpMap:
		return call("MergeMap")
	case model.OpMapAtomic:
		return call("MergeMapAtomic", g.copyFunc(f.Copy))
	case model.OpAtomic:
		return call("Atomic", g.copyFunc(f.Copy))
	case model.OpSet:
		return g.imports.qual(conflictPath, "MergeSet").Call(append([]jen.Code{jen.Id("m"), jen.Lit(f.Path)}, three...)...)
	case model.OpListMap:
		var elem jen.Code
		if f.Struct != nil {
			elem = jen.Id(f.Struct.Func)
		} else {
			atomic := "AtomicValueElement"
			if f.Copy == model.CopyDeep {
				atomic = "AtomicElement"
			}
			elem = g.imports.qual(conflictPath, atomic).Index(g.imports.qual(f.Key.Elem.Path, f.Key.Elem.Name))
		}
		return call("MergeListMap", jen.Lit(f.Key.Name), jen.Id(f.Key.Func), elem)
	}
	panic(fmt.Sprintf("templates: field %s has no merge op %d", f.GoName, f.Op))
}

// copyFunc names the runtime function that makes copy; Go infers its type
// arguments from the call it is passed to.
func (g *gen) copyFunc(c model.Copy) *jen.Statement {
	name, ok := copyFuncs[c]
	if !ok {
		panic(fmt.Sprintf("templates: no copy function for copy %d", c))
	}
	return g.imports.qual(conflictPath, name)
}

// mergeKey renders the key function of a list map's elements. A key of
// several fields renders as name=value pairs with string values quoted,
// so that two different keys never render alike, whatever their values
// hold.
func (g *gen) mergeKey(k *model.MergeKey) jen.Code {
	var expr *jen.Statement
	for i, f := range k.Fields {
		v := g.keyString(f)
		if len(k.Fields) > 1 && f.Kind == "string" {
			v = g.imports.qual("strconv", "Quote").Call(v)
		}
		if len(k.Fields) > 1 {
			prefix := f.JSONName + "="
			if i > 0 {
				prefix = "," + prefix
			}
			v = jen.Lit(prefix).Op("+").Add(v)
		}
		if expr == nil {
			expr = v
		} else {
			expr = expr.Op("+").Add(v)
		}
	}
	out := jen.Null()
	out.Commentf("%s identifies an element of a list of %s.", k.Func, k.Elem.Name).Line()
	out.Func().Id(k.Func).Params(jen.Id("e").Op("*").Add(g.imports.qual(k.Elem.Path, k.Elem.Name))).String().Block(
		jen.Return(expr),
	).Line()
	return out
}

func (g *gen) keyString(f model.KeyField) *jen.Statement {
	v := jen.Id("e")
	for _, name := range f.Selector {
		v = v.Dot(name)
	}
	if len(f.Selector) == 0 {
		v = v.Dot(f.GoName)
	}
	switch f.Kind {
	case "int":
		return g.imports.qual("strconv", "FormatInt").Call(jen.Int64().Call(v), jen.Lit(10))
	case "uint":
		return g.imports.qual("strconv", "FormatUint").Call(jen.Uint64().Call(v), jen.Lit(10))
	case "bool":
		return g.imports.qual("strconv", "FormatBool").Call(jen.Bool().Call(v))
	}
	return jen.String().Call(v)
}
