package templates

import (
	"github.com/dave/jennifer/jen"
)

// conditionHelpers renders SetXCondition for kinds whose status has
// []metav1.Condition.
func (g *gen) conditionHelpers() jen.Code {
	k := g.kind
	if k.Conditions == nil {
		return jen.Null()
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
