package templates

import (
	"github.com/dave/jennifer/jen"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// strategyConsts maps +conflict:merge leaf strategies to the runtime's.
var strategyConsts = map[string]string{"ours": "Ours", "theirs": "Theirs", "strict": "Strict", "max": "Max", "min": "Min"}

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
	if k.Merge.Shares {
		// Some field's type has no copy the merge can make as it goes.
		result = jen.Id("out").Dot("DeepCopy").Call()
	}
	out.Func().Id(k.MergeFunc()).Params(
		jen.List(jen.Id("base"), jen.Id("current"), jen.Id("desired")).Add(g.ptrKind()),
	).Params(g.ptrKind(), jen.Error()).Block(
		jen.Id("m").Op(":=").Op("&").Add(g.imports.qual(conflictPath, "Merger")).Values(),
		jen.Id("out").Op(":=").Id(k.Merge.Func).Call(jen.Id("m"), jen.Lit(""), g.imports.qual(conflictPath, "Ours"),
			jen.Id("base"), jen.Id("current"), jen.Id("desired")),
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
	return []jen.Code{jen.Id("ctx"), jen.Id("c"), g.groupKind(), jen.Id("original"), jen.Id("modified"),
		jen.Id(g.kind.MergeFunc()), jen.Id("opts").Op("...")}
}

// mergeStruct renders the merge function of one struct type.
func (g *gen) mergeStruct(s *model.MergeStruct) jen.Code {
	typ := g.imports.qual(s.Type.Path, s.Type.Name)
	body := []jen.Code{
		jen.Defer().Id("m").Dot("Under").Call(jen.Id("m").Dot("Mark").Call(), jen.Id("name")),
	}
	for _, f := range s.Fields {
		body = append(body, jen.Id("out").Dot(f.GoName).Op("=").Add(g.mergeField(f)))
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
	body = append(body, jen.Return(jen.Id("out")))

	out := jen.Null()
	out.Commentf("%s merges %s field by field.", s.Func, s.Type.Name).Line()
	out.Func().Id(s.Func).Params(
		jen.Id("m").Op("*").Add(g.imports.qual(conflictPath, "Merger")),
		jen.Id("name").String(),
		jen.Id("s").Add(g.imports.qual(conflictPath, "Strategy")),
		jen.List(jen.Id("base"), jen.Id("current"), jen.Id("desired")).Op("*").Add(typ),
	).Params(jen.Id("out").Add(typ.Clone())).Block(body...).Line()
	return out
}

// mergeField renders the expression that merges one field.
func (g *gen) mergeField(f *model.MergeField) jen.Code {
	sel := func(side string) *jen.Statement { return jen.Id(side).Dot(f.GoName) }
	three := []jen.Code{sel("base"), sel("current"), sel("desired")}
	strategy := jen.Id("s")
	if c, ok := strategyConsts[f.Strategy]; ok {
		strategy = g.imports.qual(conflictPath, c)
	}
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
		return call("MergePtr", jen.Id(f.Struct.Func))
	case model.OpMap:
		return call("MergeMap")
	case model.OpMapAtomic:
		return call("MergeMapAtomic", g.copyFunc(f.Copy))
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
	default:
		return call("Atomic", g.copyFunc(f.Copy))
	}
}

// copyFunc names the runtime function that makes copy; Go infers its type
// arguments from the call it is passed to.
func (g *gen) copyFunc(c model.Copy) *jen.Statement {
	return g.imports.qual(conflictPath, copyFuncs[c])
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
	v := jen.Id("e").Dot(f.GoName)
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
