package protostyle

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
)

// The deep copies of messages copy their fields, as proto.Clone does, and
// never the message state.

// DeepCopyInto copies in into out.
func (in *RetentionPolicy) DeepCopyInto(out *RetentionPolicy) {
	out.Keep, out.Prefix = in.Keep, in.Prefix
	out.unknownFields = slices.Clone(in.unknownFields)
}

// DeepCopyInto copies in into out.
func (in *Target) DeepCopyInto(out *Target) {
	out.Bucket = in.Bucket
	out.unknownFields = slices.Clone(in.unknownFields)
}

// DeepCopyInto copies in into out.
func (in *Window) DeepCopyInto(out *Window) {
	out.Start = in.Start
	in.Policy.DeepCopyInto(&out.Policy)
}

// DeepCopyInto copies in into out.
func (in *Rule) DeepCopyInto(out *Rule) {
	out.Name = in.Name
	in.Policy.DeepCopyInto(&out.Policy)
}

// DeepCopyInto copies in into out.
func (in *BackupSpec) DeepCopyInto(out *BackupSpec) {
	out.Schedule = in.Schedule
	in.Policy.DeepCopyInto(&out.Policy)
	if in.Target != nil {
		out.Target = new(Target)
		in.Target.DeepCopyInto(out.Target)
	}
	if in.Window != nil {
		out.Window = new(Window)
		in.Window.DeepCopyInto(out.Window)
	}
	if in.Rules != nil {
		out.Rules = make([]Rule, len(in.Rules))
		for i := range in.Rules {
			in.Rules[i].DeepCopyInto(&out.Rules[i])
		}
	}
}

// DeepCopyInto copies in into out.
func (in *Backup) DeepCopyInto(out *Backup) {
	out.TypeMeta = in.TypeMeta
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Spec.DeepCopyInto(&out.Spec)
}

// DeepCopy returns a copy of in.
func (in *Backup) DeepCopy() *Backup {
	if in == nil {
		return nil
	}
	out := new(Backup)
	in.DeepCopyInto(out)
	return out
}

// DeepCopyObject returns a copy of in.
func (in *Backup) DeepCopyObject() runtime.Object { return in.DeepCopy() }
