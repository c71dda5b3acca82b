package templates

import (
	"github.com/dave/jennifer/jen"
)

// requestLogHelper renders, for a kind with a status request log, the
// accessor its conflict.Kind hands the runtime as StatusRequestLog: a
// typed selector, so that the compiler checks the field the marker names
// and the runtime needs no reflection.
func (g *gen) requestLogHelper() jen.Code {
	k := g.kind
	if k.RequestLog == nil {
		return jen.Null()
	}
	field := jen.Id("obj").Assert(g.ptrKind())
	for _, f := range k.RequestLog.Path {
		field = field.Dot(f.Name)
	}
	out := jen.Null()
	out.Commentf("%s returns where a %s keeps the request IDs of its", k.RequestLogFunc(), k.Name).Line().
		Commentf("status writes: %s (+conflict:requestLog=%s), the", k.RequestLog.JSONPath, k.RequestLog.Path).Line().
		Comment("StatusRequestLog of its conflict.Kind. See conflict.WithRequestID.").Line()
	out.Func().Id(k.RequestLogFunc()).Params(jen.Id("obj").Add(g.imports.qual(clientPath, "Object"))).Op("*").Index().String().Block(
		jen.Return(jen.Op("&").Add(field)),
	).Line()
	return out
}
