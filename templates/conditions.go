package templates

import (
	"github.com/dave/jennifer/jen"
)

// conditionHelpers renders SetXCondition for kinds whose status has a list
// of conditions: meta.SetStatusCondition for []metav1.Condition, the same
// rules written out for condition types of the same shape.
func (g *gen) conditionHelpers() jen.Code {
	k := g.kind
	if k.Conditions == nil {
		return jen.Null()
	}
	if k.Condition != nil {
		return g.shapedConditionHelper()
	}
	out := jen.Null()
	out.Commentf("%s sets condition c in %s with meta.SetStatusCondition", k.SetConditionFunc(), k.Conditions).Line().
		Comment("semantics (LastTransitionTime moves only when the status changes), after").Line().
		Comment("stamping c.ObservedGeneration with obj's generation. It reports whether").Line().
		Comment("the conditions changed.").Line()
	body := g.allocations(k.Conditions)
	body = append(body,
		jen.Id("c").Dot("ObservedGeneration").Op("=").Id("obj").Dot("Generation"),
		jen.Return(g.imports.qual(metaPath, "SetStatusCondition").Call(jen.Op("&").Add(selector(k.Conditions)), jen.Id("c"))),
	)
	out.Func().Id(k.SetConditionFunc()).Params(
		jen.Id("obj").Add(g.ptrKind()), jen.Id("c").Add(g.imports.qual(metav1Path, "Condition")),
	).Params(jen.Id("changed").Bool()).Block(body...).Line()
	return out
}

// shapedConditionHelper renders SetXCondition for a condition type that is
// not metav1.Condition but has its shape: the condition of c's type is
// replaced by c, or c is added; LastTransitionTime moves only when the
// status changes, as meta.SetStatusCondition moves it.
func (g *gen) shapedConditionHelper() jen.Code {
	k := g.kind
	cond := k.Condition
	typ := g.imports.qual(cond.Type.Path, cond.Type.Name)
	now := g.imports.qual(metav1Path, "NewTime").Call(g.imports.qual(timePath, "Now").Call())

	out := jen.Null()
	out.Commentf("%s sets condition c in %s as meta.SetStatusCondition sets a", k.SetConditionFunc(), k.Conditions).Line().
		Commentf("metav1.Condition: the %s of c's type is replaced by c, or c is added.", cond.Type.Name).Line().
		Comment("LastTransitionTime moves only when the status changes: it is kept when").Line().
		Comment("the status is the same, else it is c's, or now when c has none.").Line()
	if cond.ObservedGeneration {
		out.Comment("c.ObservedGeneration is stamped with obj's generation.").Line()
	}
	out.Comment("It reports whether the conditions changed.").Line()

	body := g.allocations(k.Conditions)
	if cond.ObservedGeneration {
		body = append(body, jen.Id("c").Dot("ObservedGeneration").Op("=").Id("obj").Dot("Generation"))
	}
	body = append(body,
		jen.Id("conditions").Op(":=").Op("&").Add(selector(k.Conditions)),
		jen.For(jen.Id("i").Op(":=").Range().Op("*").Id("conditions")).Block(
			jen.Id("existing").Op(":=").Op("&").Parens(jen.Op("*").Id("conditions")).Index(jen.Id("i")),
			jen.If(jen.Id("existing").Dot("Type").Op("!=").Id("c").Dot("Type")).Block(jen.Continue()),
			jen.If(jen.Id("existing").Dot("Status").Op("==").Id("c").Dot("Status")).Block(
				jen.Id("c").Dot("LastTransitionTime").Op("=").Id("existing").Dot("LastTransitionTime"),
			).Else().If(jen.Id("c").Dot("LastTransitionTime").Dot("IsZero").Call()).Block(
				jen.Id("c").Dot("LastTransitionTime").Op("=").Add(now.Clone()),
			),
			jen.If(g.imports.qual(equalityPath, "Semantic").Dot("DeepEqual").Call(jen.Op("*").Id("existing"), jen.Id("c"))).Block(
				jen.Return(jen.False()),
			),
			jen.Op("*").Id("existing").Op("=").Id("c"),
			jen.Return(jen.True()),
		),
		jen.If(jen.Id("c").Dot("LastTransitionTime").Dot("IsZero").Call()).Block(
			jen.Id("c").Dot("LastTransitionTime").Op("=").Add(now),
		),
		jen.Op("*").Id("conditions").Op("=").Append(jen.Op("*").Id("conditions"), jen.Id("c")),
		jen.Return(jen.True()),
	)
	out.Func().Id(k.SetConditionFunc()).Params(
		jen.Id("obj").Add(g.ptrKind()), jen.Id("c").Add(typ),
	).Params(jen.Id("changed").Bool()).Block(body...).Line()
	return out
}
