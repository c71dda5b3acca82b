package merging

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// These tests run on the helpers generated next to these types, in the
// scratch module of TestGeneratedIntoTheAPIPackageCompiles.

func release() *Release {
	return &Release{
		ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", ResourceVersion: "1", UID: "u1", Generation: 1},
		Spec: ReleaseSpec{Template: PodTemplate{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", Labels: map[string]string{"app": "web"}},
			Image:      "web:1",
		}},
	}
}

func TestTemplateMetadataMergesFieldByFieldAsUserData(t *testing.T) {
	base := release()
	current := base.DeepCopy()
	current.ResourceVersion, current.Generation = "2", 2
	current.Spec.Template.Labels["tier"] = "front"
	desired := base.DeepCopy()
	desired.Spec.Template.GenerateName = "api-"
	desired.Spec.Template.Name = "api"
	desired.Spec.Template.Namespace = "other"
	desired.ResourceVersion, desired.UID, desired.Generation = "99", "u2", 7

	got, err := MergeRelease(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := got.Spec.Template.ObjectMeta
	if tmpl.GenerateName != "api-" || tmpl.Name != "api" || tmpl.Namespace != "other" {
		t.Errorf("the template's metadata is user data, desired's change is kept: got generateName %q, name %q, namespace %q", tmpl.GenerateName, tmpl.Name, tmpl.Namespace)
	}
	if want := map[string]string{"app": "web", "tier": "front"}; !reflect.DeepEqual(tmpl.Labels, want) {
		t.Errorf("template labels merge key by key: got %v, want %v", tmpl.Labels, want)
	}
	if got.ResourceVersion != "2" || got.UID != "u1" || got.Generation != 2 {
		t.Errorf("the kind's own metadata takes server-managed fields from current: got resourceVersion %q, uid %q, generation %d", got.ResourceVersion, got.UID, got.Generation)
	}
}

func TestListMapKeysOfSeveralFieldsAreUnambiguous(t *testing.T) {
	base := release()
	current := base.DeepCopy()
	current.Spec.Routes = append(current.Spec.Routes, Route{Host: "a,path=b", Path: "c", Backend: "theirs"})
	desired := base.DeepCopy()
	desired.Spec.Routes = append(desired.Spec.Routes, Route{Host: "a", Path: "b,path=c", Backend: "ours"})

	got, err := MergeRelease(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	want := []Route{{Host: "a,path=b", Path: "c", Backend: "theirs"}, {Host: "a", Path: "b,path=c", Backend: "ours"}}
	if !reflect.DeepEqual(got.Spec.Routes, want) {
		t.Errorf("two elements with different keys are both kept: got %+v, want %+v", got.Spec.Routes, want)
	}
}

func TestListMapKeyPromotedFromAnInlineStructIsReadThroughIt(t *testing.T) {
	base := release()
	current := base.DeepCopy()
	current.Spec.Shadows = append(current.Spec.Shadows, Shadow{Base: Base{Name: "a"}, Name: "same", Value: "theirs"})
	desired := base.DeepCopy()
	desired.Spec.Shadows = append(desired.Spec.Shadows, Shadow{Base: Base{Name: "b"}, Name: "same", Value: "ours"})

	got, err := MergeRelease(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	want := []Shadow{{Base: Base{Name: "a"}, Name: "same", Value: "theirs"}, {Base: Base{Name: "b"}, Name: "same", Value: "ours"}}
	if !reflect.DeepEqual(got.Spec.Shadows, want) {
		t.Errorf("the key is name (Base.Name), not displayName: got %+v, want %+v", got.Spec.Shadows, want)
	}
}

func TestMetadataOfAKindNestedInItsSpecIsUserData(t *testing.T) {
	base := &Good{
		ObjectMeta: metav1.ObjectMeta{Name: "g", ResourceVersion: "1", UID: "u1"},
		Spec:       GoodSpec{Self: &Good{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-", ResourceVersion: "5"}}},
	}
	current := base.DeepCopy()
	current.ResourceVersion = "2"
	desired := base.DeepCopy()
	desired.Spec.Self.GenerateName = "api-"
	desired.Spec.Self.ResourceVersion = "6"
	desired.ResourceVersion = "99"

	got, err := MergeGood(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	if self := got.Spec.Self.ObjectMeta; self.GenerateName != "api-" || self.ResourceVersion != "6" {
		t.Errorf("spec.self.metadata is user data, desired's change is kept: got generateName %q, resourceVersion %q", self.GenerateName, self.ResourceVersion)
	}
	if got.ResourceVersion != "2" {
		t.Errorf("the top-level metadata is the server's: got resourceVersion %q", got.ResourceVersion)
	}
}
