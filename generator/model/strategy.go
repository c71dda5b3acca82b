package model

import (
	"fmt"
	"sort"
)

// Strategy is a value of +conflict:merge: how a three-way merge resolves a
// field that both sides changed. Each strategy is defined once, in
// strategies below, with its marker spelling, what it fits, what it does,
// and the runtime constant it renders to.
type Strategy int

// The strategies. NoStrategy is a field without the marker, which merges
// under the strategy of the struct that holds it.
const (
	NoStrategy Strategy = iota
	Ours
	Theirs
	Strict
	Max
	Min
	Atomic
	Union
	Conditions
)

// strategies describes every Strategy but NoStrategy, indexed by it.
var strategies = [...]struct {
	marker, fits, help string
	// runtime is the conflict.Strategy constant for the strategies that
	// decide a changed leaf; empty for those that choose how a value
	// merges (atomic, union, conditions).
	runtime string
}{
	Ours:       {"ours", "anything", "desired wins when both sides changed the field (the default)", "Ours"},
	Theirs:     {"theirs", "anything", "current (the server's) wins when both sides changed the field", "Theirs"},
	Strict:     {"strict", "anything", "a change on both sides is a conflict reported in a MergeError; nothing is written", "Strict"},
	Max:        {"max", "integer, float, string, metav1.Time, metav1.MicroTime, resource.Quantity, or a pointer to one", "the larger of current and desired", "Max"},
	Min:        {"min", "integer, float, string, metav1.Time, metav1.MicroTime, resource.Quantity, or a pointer to one", "the smaller of current and desired", "Min"},
	Atomic:     {"atomic", "anything", "the whole value is one leaf: no merge inside it", ""},
	Union:      {"union", "a slice of comparable elements", "a set: what either side added stays, what either removed goes", ""},
	Conditions: {"conditions", "a slice of a condition type (Type, Status and LastTransitionTime fields)", "merged by type, as []metav1.Condition always is", ""},
}

func (s Strategy) info() int {
	if s <= NoStrategy || int(s) >= len(strategies) {
		panic(fmt.Sprintf("model: no strategy %d", int(s)))
	}
	return int(s)
}

// Marker is the strategy's spelling in +conflict:merge=<marker>.
func (s Strategy) Marker() string { return strategies[s.info()].marker }

// Fits says which fields the strategy applies to.
func (s Strategy) Fits() string { return strategies[s.info()].fits }

// Help says what a field both sides changed becomes.
func (s Strategy) Help() string { return strategies[s.info()].help }

// Runtime is the name of the conflict.Strategy constant the strategy
// renders to (Ours, Theirs, Strict, Max, Min), or "" for a strategy that
// decides how a value merges rather than how a changed leaf resolves.
func (s Strategy) Runtime() string { return strategies[s.info()].runtime }

// Ordering reports whether the strategy compares current and desired
// (max, min).
func (s Strategy) Ordering() bool { return s == Max || s == Min }

// String returns the marker spelling, or "" for NoStrategy.
func (s Strategy) String() string {
	if s == NoStrategy {
		return ""
	}
	return s.Marker()
}

// ParseStrategy returns the strategy spelt marker.
func ParseStrategy(marker string) (Strategy, bool) {
	for s := Ours; int(s) < len(strategies); s++ {
		if strategies[s].marker == marker {
			return s, true
		}
	}
	return NoStrategy, false
}

// Strategies returns every strategy, sorted by spelling.
func Strategies() []Strategy {
	var out []Strategy
	for s := Ours; int(s) < len(strategies); s++ {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Marker() < out[j].Marker() })
	return out
}

// StrategyMarkers returns the spelling of every strategy, sorted.
func StrategyMarkers() []string {
	var out []string
	for _, s := range Strategies() {
		out = append(out, s.Marker())
	}
	return out
}
