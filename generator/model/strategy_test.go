package model

import "testing"

func TestEveryStrategyIsDescribedOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Strategies() {
		if s.Marker() == "" || s.Fits() == "" || s.Help() == "" {
			t.Errorf("strategy %d is not fully described", int(s))
		}
		if seen[s.Marker()] {
			t.Errorf("two strategies spelt %q", s.Marker())
		}
		seen[s.Marker()] = true
		if got, ok := ParseStrategy(s.Marker()); !ok || got != s {
			t.Errorf("ParseStrategy(%q) = %v, %v", s.Marker(), got, ok)
		}
	}
	if len(seen) != int(Conditions) {
		t.Errorf("%d strategies listed, want %d", len(seen), int(Conditions))
	}
	if _, ok := ParseStrategy("newest"); ok {
		t.Error("an unknown spelling parses")
	}
}

func TestAnUnknownStrategyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	_ = Strategy(99).Marker()
}
