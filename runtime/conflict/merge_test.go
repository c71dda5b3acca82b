package conflict

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mergeCondition is what conflict-gen generates for metav1.Condition,
// reduced to the fields these tests use.
func mergeCondition(m *Merger, name string, s Strategy, base, current, desired *metav1.Condition) (out metav1.Condition) {
	defer m.Under(m.Mark(), name)
	out.Type = Leaf(m, "type", s, base.Type, current.Type, desired.Type)
	out.Status = Leaf(m, "status", s, base.Status, current.Status, desired.Status)
	out.Reason = Leaf(m, "reason", s, base.Reason, current.Reason, desired.Reason)
	return out
}

func conditionType(c *metav1.Condition) string { return c.Type }

func TestConflictPaths(t *testing.T) {
	cond := func(typ string, status metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status}
	}
	base := []metav1.Condition{cond("Ready", "False"), cond("Synced", "True")}
	current := []metav1.Condition{cond("Ready", "True"), cond("Synced", "True")}
	desired := []metav1.Condition{cond("Ready", "Unknown")}

	m := &Merger{}
	mark := m.Mark()
	got := MergeListMap(m, "conditions", Strict, base, current, desired, "type", conditionType, mergeCondition)
	m.Under(mark, "status")
	assert.Equal(t, []metav1.Condition{cond("Ready", "True")}, got, "strict keeps current's value; our removal of an unchanged element stands")

	var merr *MergeError
	require.ErrorAs(t, m.Err(), &merr)
	assert.Equal(t, []FieldConflict{{Path: "status.conditions[type=Ready].status", Base: metav1.ConditionStatus("False"),
		Current: metav1.ConditionStatus("True"), Desired: metav1.ConditionStatus("Unknown")}}, merr.Conflicts)
}

func TestStrictRemovalAgainstChange(t *testing.T) {
	base := []metav1.Condition{{Type: "Ready", Status: "False"}}
	current := []metav1.Condition{{Type: "Ready", Status: "True"}}
	m := &Merger{}
	got := MergeListMap(m, "conditions", Strict, base, current, nil, "type", conditionType, mergeCondition)
	assert.Equal(t, current, got)
	require.Error(t, m.Err())
	assert.Equal(t, "conditions[type=Ready]", m.Err().(*MergeError).Conflicts[0].Path)
	assert.Nil(t, m.Err().(*MergeError).Conflicts[0].Desired, "removed on our side")

	m = &Merger{}
	got = MergeListMap(m, "conditions", Ours, base, current, nil, "type", conditionType, mergeCondition)
	assert.Empty(t, got, "ours: our removal wins over their change")
	assert.NoError(t, m.Err())
}

func TestMapKeyPaths(t *testing.T) {
	m := &Merger{}
	got := MergeMap(m, "labels", Strict, map[string]string{"app": "a"}, map[string]string{"app": "b"}, map[string]string{"app": "c", "new": "x"})
	assert.Equal(t, map[string]string{"app": "b", "new": "x"}, got)
	mark := 0
	m.Under(mark, "metadata")
	require.Error(t, m.Err())
	assert.Equal(t, "metadata.labels[app]", m.Err().(*MergeError).Conflicts[0].Path)
}

func TestLeafRuleTable(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		s                      Strategy
		base, current, desired int
		want                   int
		conflict               bool
	}{
		{"nobody changed it", Ours, 1, 1, 1, 1, false},
		{"they changed it", Ours, 1, 2, 1, 2, false},
		{"we changed it", Theirs, 1, 1, 3, 3, false},
		{"both, to the same", Strict, 1, 4, 4, 4, false},
		{"both: ours", Ours, 1, 2, 3, 3, false},
		{"both: theirs", Theirs, 1, 2, 3, 2, false},
		{"both: strict", Strict, 1, 2, 3, 2, true},
		{"both: max", Max, 1, 2, 3, 3, false},
		{"both: max, theirs larger", Max, 5, 9, 3, 9, false},
		{"both: min", Min, 5, 9, 3, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Merger{}
			var got int
			if tc.s == Max || tc.s == Min {
				got = Ordered(m, "x", tc.s, tc.base, tc.current, tc.desired)
			} else {
				got = Leaf(m, "x", tc.s, tc.base, tc.current, tc.desired)
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.conflict, m.Err() != nil)
		})
	}
}

// message stands for a protobuf message: unexported state next to the
// fields JSON sees.
type message struct {
	sizeCache int32
	Keep      int32 `json:"keep"`
}

func TestAtomicComparesValuesWithUnexportedFieldsByTheirJSON(t *testing.T) {
	base := &message{Keep: 1}
	current := &message{Keep: 1, sizeCache: 8} // marshalled once: no change
	desired := &message{Keep: 2}
	m := &Merger{}
	got := Atomic(m, "policy", Strict, base, current, desired, CopyPtr[message])
	require.NoError(t, m.Err(), "current's unexported state is no change")
	assert.Equal(t, int32(2), got.Keep)

	current.Keep = 3
	Atomic(m, "policy", Strict, base, current, desired, CopyPtr[message])
	var merr *MergeError
	require.ErrorAs(t, m.Err(), &merr)
	assert.Equal(t, "policy", merr.Conflicts[0].Path)
}
