package harness

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// staticMapper maps the kinds of crds, and CustomResourceDefinition
// itself, to their resources. The embedded server does not serve the
// legacy /api that discovery-based mappers ask for first.
func staticMapper(crds []*apiextensionsv1.CustomResourceDefinition) meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.AddSpecific(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"),
		apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"),
		apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinition"), meta.RESTScopeRoot)
	for _, crd := range crds {
		scope := meta.RESTScopeNamespace
		if crd.Spec.Scope == apiextensionsv1.ClusterScoped {
			scope = meta.RESTScopeRoot
		}
		for _, v := range crd.Spec.Versions {
			gv := schema.GroupVersion{Group: crd.Spec.Group, Version: v.Name}
			m.AddSpecific(gv.WithKind(crd.Spec.Names.Kind), gv.WithResource(crd.Spec.Names.Plural),
				gv.WithResource(crd.Spec.Names.Singular), scope)
		}
	}
	return m
}
