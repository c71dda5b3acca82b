package model

import "testing"

func TestHelpersNameWhatKindsDeclare(t *testing.T) {
	k := &Kind{Name: "X", StatusSubresource: true, ObservedGeneration: FieldPath{{Name: "Status"}, {Name: "ObservedGeneration"}}, Conditions: FieldPath{{Name: "Status"}, {Name: "Conditions"}}}
	declared := map[string]bool{}
	for _, name := range k.Declared() {
		declared[name] = true
	}
	if len(declared) != len(Helpers) {
		t.Errorf("a kind with everything declares %d helpers, Helpers lists %d", len(declared), len(Helpers))
	}
	for _, h := range Helpers {
		if !declared[h.Name] {
			t.Errorf("Helpers lists %s, which kinds do not declare", h.Name)
		}
	}
}
