package templates

import (
	"github.com/dave/jennifer/jen"
)

// updateHelpers renders UpdateXWithRetry, UpdateXStatusWithRetry (for kinds
// with a status subresource) and CreateOrUpdateXWithRetry: typed wrappers
// of the runtime's generic functions, so that users get the kind's type in
// their mutate function and the kind's identity in errors and metrics.
func (g *gen) updateHelpers() jen.Code {
	k := g.kind
	out := jen.Null()

	out.Commentf("%s applies mutate to a fresh copy of the %s named by obj and", k.UpdateFunc(), k.Name).Line().
		Comment("updates it, reading it again and retrying when the API server answers").Line().
		Comment("409 Conflict. The first attempt starts from obj when obj carries a").Line().
		Comment("resourceVersion. mutate runs once per attempt; an error from it aborts").Line().
		Comment("and nothing is written, and a mutate that changes nothing writes nothing.").Line().
		Comment("On success obj holds the server's answer. See conflict.Update.").Line()
	out.Func().Id(k.UpdateFunc()).Params(g.helperParams()...).Error().Block(
		jen.Return(g.imports.qual(conflictPath, "Update").Call(g.helperArgs()...)),
	).Line()

	if k.StatusSubresource {
		out.Commentf("%s is %s through the status", k.UpdateStatusFunc(), k.UpdateFunc()).Line().
			Comment("subresource: only the status is written, conditions, observedGeneration").Line().
			Comment("and every other status field in one request. See conflict.UpdateStatus.").Line()
		out.Func().Id(k.UpdateStatusFunc()).Params(g.helperParams()...).Error().Block(
			jen.Return(g.imports.qual(conflictPath, "UpdateStatus").Call(g.helperArgs()...)),
		).Line()
	}

	out.Commentf("%s creates the %s named by obj, with mutate applied,", k.CreateOrUpdateFunc(), k.Name).Line().
		Commentf("if it does not exist, and otherwise updates it as %s does.", k.UpdateFunc()).Line().
		Comment("See conflict.CreateOrUpdate.").Line()
	out.Func().Id(k.CreateOrUpdateFunc()).Params(g.helperParams()...).Params(
		g.imports.qual(controllerutilPath, "OperationResult"), jen.Error(),
	).Block(
		jen.Return(g.imports.qual(conflictPath, "CreateOrUpdate").Call(g.helperArgs()...)),
	).Line()
	return out
}

func (g *gen) helperParams() []jen.Code {
	return []jen.Code{
		jen.Id("ctx").Add(g.imports.qual(contextPath, "Context")),
		jen.Id("c").Add(g.imports.qual(clientPath, "Client")),
		jen.Id("obj").Add(g.ptrKind()),
		jen.Id("mutate").Func().Params(g.ptrKind()).Error(),
		jen.Id("opts").Op("...").Add(g.imports.qual(conflictPath, "Option")),
	}
}

func (g *gen) helperArgs() []jen.Code {
	return []jen.Code{jen.Id("ctx"), jen.Id("c"), g.kindValue(), jen.Id("obj"), jen.Id("mutate"), jen.Id("opts").Op("...")}
}
