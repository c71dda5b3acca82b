package protostyle

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// These tests run on the helpers generated next to these types, in the
// scratch module of TestGeneratedIntoTheAPIPackageCompiles, where go vet
// checks that nothing copies a message.

func backup() *Backup {
	return &Backup{
		ObjectMeta: metav1.ObjectMeta{Name: "b", ResourceVersion: "1"},
		Spec: BackupSpec{
			Schedule: "@daily",
			Policy:   RetentionPolicy{Keep: 3, Prefix: "b-"},
			Target:   &Target{Bucket: "one"},
			Window:   &Window{Start: "01:00", Policy: RetentionPolicy{Keep: 1}},
			Rules:    []Rule{{Name: "r", Policy: RetentionPolicy{Keep: 2}}},
		},
	}
}

func TestMessagesMergeWholeAndStructsHoldingThemFieldByField(t *testing.T) {
	base := backup()
	current := backup()
	current.ResourceVersion = "2"
	current.Spec.Policy.Keep = 5
	current.Spec.Window.Start = "02:00"
	desired := backup()
	desired.Spec.Schedule = "@hourly"
	desired.Spec.Target.Bucket = "two"
	desired.Spec.Window.Policy.Prefix = "w-"
	desired.Spec.Rules[0].Policy.Keep = 9

	got, err := MergeBackup(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	s := &got.Spec
	if s.Schedule != "@hourly" || s.Policy.Keep != 5 || s.Target.Bucket != "two" {
		t.Errorf("one side's change each: got schedule %q, policy.keep %d, target.bucket %q", s.Schedule, s.Policy.Keep, s.Target.Bucket)
	}
	if s.Window.Start != "02:00" || s.Window.Policy.Prefix != "w-" || s.Window.Policy.Keep != 1 {
		t.Errorf("a struct holding a message merges field by field: got %+v", s.Window)
	}
	if len(s.Rules) != 1 || s.Rules[0].Policy.Keep != 9 {
		t.Errorf("the list of rules is one value, desired's: got %+v", s.Rules)
	}
	if got.ResourceVersion != "2" {
		t.Errorf("resourceVersion from current, got %q", got.ResourceVersion)
	}
	if got.Spec.Target == current.Spec.Target || got.Spec.Target == desired.Spec.Target || got.Spec.Window == current.Spec.Window {
		t.Error("the result shares memory with the inputs")
	}
	if base.Spec.Policy.Keep != 3 || desired.Spec.Target.Bucket != "two" {
		t.Error("the inputs changed")
	}
}

func TestAStrictConflictOnAMessage(t *testing.T) {
	base := backup()
	current := backup()
	current.Spec.Policy.Keep = 4
	desired := backup()
	desired.Spec.Policy.Keep = 6
	got, err := MergeBackup(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Policy.Keep != 6 {
		t.Errorf("ours: desired's message wins, got keep %d", got.Spec.Policy.Keep)
	}
}
