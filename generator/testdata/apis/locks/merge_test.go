package locks

import (
	"testing"
)

// These tests run on the helpers generated next to these types, in the
// scratch module of TestGeneratedIntoTheAPIPackageCompiles.

func TestValuesThatHoldALockAreCopiedWithTheirDeepCopyInto(t *testing.T) {
	base := &Locked{}
	current := base.DeepCopy()
	current.Spec.Ptr = &Inner{N: 1}
	current.Spec.Slice = []Inner{{N: 2}}
	current.Spec.Pair[0].N = 3
	current.Spec.Ptr.mu.Lock()
	current.Spec.Slice[0].mu.Lock()
	current.Spec.Pair[0].mu.Lock()
	desired := base.DeepCopy()

	got, err := MergeLocked(base, current, desired)
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Ptr == nil || got.Spec.Ptr.N != 1 || !got.Spec.Ptr.mu.TryLock() {
		t.Errorf("ptr: want N 1 and an unlocked mutex, got %+v", got.Spec.Ptr)
	}
	if len(got.Spec.Slice) != 1 || got.Spec.Slice[0].N != 2 || !got.Spec.Slice[0].mu.TryLock() {
		t.Errorf("slice: want N 2 and an unlocked mutex")
	}
	if got.Spec.Pair[0].N != 3 || !got.Spec.Pair[0].mu.TryLock() {
		t.Errorf("pair: want N 3 and an unlocked mutex")
	}
}
