package clash

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Thing is a kind.
type Thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}

// UpdateThingWithRetry is hand-written, and clashes with the generated one.
func UpdateThingWithRetry() {}

// conflictApplySchema clashes with the generated schema constant.
const conflictApplySchema = ""

// conflictThingKind clashes with the generated Kind variable.
var conflictThingKind = 1
