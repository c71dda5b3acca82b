package conflict

import (
	"bytes"
	"maps"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
)

// semantic is equality.Semantic, which compares times and quantities by
// value, with managedFields' field sets compared as the bytes they are:
// Semantic compares a byte slice one reflected byte at a time, and the
// managedFields of an object written by several managers hold kilobytes,
// which made the comparison of an object's metadata before and after a
// mutation the largest cost of an apply's own work. The result is the
// same (nil and empty compare equal, as in Semantic).
var semantic = func() conversion.Equalities {
	e := conversion.Equalities{Equalities: maps.Clone(equality.Semantic.Equalities)}
	if err := e.AddFunc(func(a, b metav1.FieldsV1) bool { return bytes.Equal(a.Raw, b.Raw) }); err != nil {
		panic(err)
	}
	return e
}()
