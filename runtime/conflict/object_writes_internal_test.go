package conflict

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Two objects whose write counters are one stripe: a write to one makes
// the object an apply state keeps of the other untrusted (its next no-op
// costs a read), never the other way round (trusted after a write).
func TestObjectWritesOfOneStripeMakeEachOtherUntrusted(t *testing.T) {
	gk := schema.GroupKind{Group: "test.conflict-gen.io", Kind: "Widget"}
	ref := func(name string) objectRef {
		return objectRef{kind: gk, key: client.ObjectKey{Namespace: "ns", Name: name}}
	}
	a := ref("a")
	var b objectRef
	for i := 0; ; i++ {
		if b = ref(fmt.Sprint("b", i)); writesTo(b) == writesTo(a) {
			break
		}
		if i > 100*objectWriteStripes {
			t.Fatal("no object shares a's stripe")
		}
	}
	st := &applyState[unstructured.Unstructured, *unstructured.Unstructured]{writes: writesTo(b)}
	kept := &unstructured.Unstructured{}
	kept.SetUID("uid-b")
	kept.SetResourceVersion("1")
	st.offer(kept, st.writes.Load())
	if _, current := st.newest(); !current {
		t.Fatal("b's kept object is untrusted before any write")
	}
	writesTo(a).Add(1) // a write to a
	if _, current := st.newest(); current {
		t.Error("b's kept object is still trusted after a write to a, which shares its counter")
	}
}
