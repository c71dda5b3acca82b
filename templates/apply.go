package templates

import (
	"github.com/dave/jennifer/jen"
)

// kindVar renders the package variable holding the current kind's
// conflict.Kind, which every helper of the kind passes to the runtime: its
// group and kind, whether it has a status subresource, and its type in the
// package's server-side apply schema.
func (g *gen) kindVar() jen.Code {
	k := g.kind
	values := jen.Dict{
		jen.Id("GroupKind"): g.imports.qual(schemaPath, "GroupKind").Values(
			jen.Id("Group").Op(":").Lit(g.pkg.Group),
			jen.Id("Kind").Op(":").Lit(k.Name),
		),
		jen.Id("Apply"): g.imports.qual(conflictPath, "NewApplyType").Call(jen.Id(applySchemaConst), jen.Lit(k.ApplyType)),
	}
	if k.StatusSubresource {
		values[jen.Id("StatusSubresource")] = jen.True()
	}
	if k.RequestLog != nil {
		values[jen.Id("StatusRequestLog")] = jen.Id(k.RequestLogFunc())
	}
	return jen.Commentf("%s is what the runtime is told about %s: its API group and", k.KindVar(), article(k.Name)).Line().
		Comment("kind, whether status is a subresource, where its status writes keep").Line().
		Commentf("request IDs, and its type in the server-side apply schema %s.", applySchemaConst).Line().
		Var().Id(k.KindVar()).Op("=").Add(g.imports.qual(conflictPath, "Kind")).Values(values).Line()
}

// applyHelpers renders ApplyX and, for kinds with a status subresource,
// ApplyXStatus: typed wrappers of the runtime's server-side apply.
func (g *gen) applyHelpers() jen.Code {
	k := g.kind
	out := jen.Null()
	out.Commentf("%s runs mutate on a copy of obj (read first when obj has no", k.ApplyFunc()).Line().
		Comment("resourceVersion) and applies it with server-side apply, creating it if it").Line().
		Comment("does not exist. It sends exactly the fields this field owner").Line().
		Comment("(conflict.WithFieldOwner, required) owns after mutate: those it applied").Line().
		Comment("before and those mutate set or changed; a field it owned that mutate").Line().
		Comment("cleared is given up. When they equal the object's, no request is made. A").Line().
		Comment("field another manager owns is an ownership conflict, returned and not").Line().
		Comment("retried, unless conflict.WithForceOwnership is given. See conflict.Apply.").Line()
	out.Func().Id(k.ApplyFunc()).Params(g.helperParams()...).Error().Block(
		jen.Return(g.imports.qual(conflictPath, "Apply").Call(g.helperArgs()...)),
	).Line()
	if k.StatusSubresource {
		out.Commentf("%s is %s through the status subresource: it applies", k.ApplyStatusFunc(), k.ApplyFunc()).Line().
			Comment("the status fields this field owner owns. See conflict.ApplyStatus.").Line()
		out.Func().Id(k.ApplyStatusFunc()).Params(g.helperParams()...).Error().Block(
			jen.Return(g.imports.qual(conflictPath, "ApplyStatus").Call(g.helperArgs()...)),
		).Line()
	}
	return out
}
