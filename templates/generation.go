package templates

import (
	"github.com/dave/jennifer/jen"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// generationHelpers renders XNeedsReconcile and SetXObservedGeneration for
// kinds whose status records the generation it describes.
func (g *gen) generationHelpers() jen.Code {
	k := g.kind
	if k.ObservedGeneration == nil {
		return jen.Null()
	}
	path := k.ObservedGeneration
	out := jen.Null()

	out.Commentf("%s reports whether obj's spec changed since its status was", k.NeedsReconcileFunc()).Line().
		Commentf("last written: %s differs from metadata.generation.", path).Line()
	body := g.nilChecks(path, jen.Return(jen.True()))
	body = append(body, jen.Return(selector(path).Op("!=").Id("obj").Dot("Generation")))
	out.Func().Id(k.NeedsReconcileFunc()).Params(jen.Id("obj").Add(g.ptrKind())).Bool().Block(body...).Line()

	out.Commentf("%s records obj's generation in %s.", k.SetObservedGenerationFunc(), path).Line()
	if k.StatusSubresource {
		out.Commentf("Write it with %s, in the same write as the rest of the status.", k.UpdateStatusFunc()).Line()
	}
	set := g.allocations(path)
	set = append(set, selector(path).Op("=").Id("obj").Dot("Generation"))
	out.Func().Id(k.SetObservedGenerationFunc()).Params(jen.Id("obj").Add(g.ptrKind())).Block(set...).Line()
	return out
}

// nilChecks returns "if obj.A == nil { onNil }" for every pointer on the
// way to the last field of path.
func (g *gen) nilChecks(path model.FieldPath, onNil jen.Code) []jen.Code {
	var out []jen.Code
	for i, f := range path[:len(path)-1] {
		if f.Pointer != nil {
			out = append(out, jen.If(selector(path[:i+1]).Op("==").Nil()).Block(onNil))
		}
	}
	return out
}

// allocations returns "if obj.A == nil { obj.A = new(T) }" for every pointer
// on the way to the last field of path.
func (g *gen) allocations(path model.FieldPath) []jen.Code {
	var out []jen.Code
	for i, f := range path[:len(path)-1] {
		if f.Pointer != nil {
			sel := selector(path[:i+1])
			out = append(out, jen.If(sel.Clone().Op("==").Nil()).Block(
				sel.Clone().Op("=").New(g.imports.qual(f.Pointer.Path, f.Pointer.Name)),
			))
		}
	}
	return out
}
