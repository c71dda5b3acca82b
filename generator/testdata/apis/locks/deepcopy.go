package locks

import "k8s.io/apimachinery/pkg/runtime"

// DeepCopyInto copies N, never the lock.
func (in *Inner) DeepCopyInto(out *Inner) { out.N = in.N }

// DeepCopyInto copies in into out.
func (in *LockedSpec) DeepCopyInto(out *LockedSpec) {
	if in.Ptr != nil {
		out.Ptr = new(Inner)
		in.Ptr.DeepCopyInto(out.Ptr)
	}
	if in.Slice != nil {
		out.Slice = make([]Inner, len(in.Slice))
		for i := range in.Slice {
			in.Slice[i].DeepCopyInto(&out.Slice[i])
		}
	}
	if in.ByKey != nil {
		out.ByKey = make(map[string]Inner, len(in.ByKey))
		for k := range in.ByKey {
			out.ByKey[k] = Inner{N: in.ByKey[k].N}
		}
	}
	for i := range in.Pair {
		in.Pair[i].DeepCopyInto(&out.Pair[i])
	}
}

// DeepCopyInto copies in into out.
func (in *Locked) DeepCopyInto(out *Locked) {
	out.TypeMeta = in.TypeMeta
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Spec.DeepCopyInto(&out.Spec)
}

// DeepCopy returns a copy of in.
func (in *Locked) DeepCopy() *Locked {
	if in == nil {
		return nil
	}
	out := new(Locked)
	in.DeepCopyInto(out)
	return out
}

// DeepCopyObject returns a copy of in.
func (in *Locked) DeepCopyObject() runtime.Object { return in.DeepCopy() }
