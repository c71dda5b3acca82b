package conflict

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MergeObjectMeta merges object metadata the way the API server owns it:
// identity and server-managed fields (name, namespace, uid,
// resourceVersion, generation, creationTimestamp, deletionTimestamp,
// managedFields) come from current; labels and annotations merge key by
// key; finalizers merge as a set; ownerReferences merge by uid, each as
// one value. The result shares no memory with the inputs.
func MergeObjectMeta(m *Merger, name string, s Strategy, base, current, desired *metav1.ObjectMeta) metav1.ObjectMeta {
	mark := m.Mark()
	out := *current
	out.DeletionTimestamp = CopyPtrDeep(current.DeletionTimestamp)
	out.DeletionGracePeriodSeconds = CopyPtr(current.DeletionGracePeriodSeconds)
	out.ManagedFields = CopySliceDeep(current.ManagedFields)
	out.Labels = MergeMap(m, "labels", s, base.Labels, current.Labels, desired.Labels)
	out.Annotations = MergeMap(m, "annotations", s, base.Annotations, current.Annotations, desired.Annotations)
	out.Finalizers = MergeSet(m, "finalizers", base.Finalizers, current.Finalizers, desired.Finalizers)
	out.OwnerReferences = MergeListMap(m, "ownerReferences", s, base.OwnerReferences, current.OwnerReferences, desired.OwnerReferences,
		"uid", ownerReferenceUID, AtomicElement[metav1.OwnerReference])
	m.Under(mark, name)
	return out
}

func ownerReferenceUID(r *metav1.OwnerReference) string { return string(r.UID) }
