package homelab

import (
	"context"
	"sync"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
)

// Machines switches physical machines on and off (wake-on-LAN, IPMI, a
// smart plug). The reconcilers call it; it never touches the API server.
type Machines interface {
	// SetPower brings the machine named name to state.
	SetPower(ctx context.Context, name string, state infrav1alpha1.PowerState) error
}

// FakeMachines is an in-memory Machines for tests and the demo.
type FakeMachines struct {
	mu    sync.Mutex
	state map[string]infrav1alpha1.PowerState
	// Fail, when set, is returned for every machine it names.
	Fail map[string]error
}

// SetPower implements Machines.
func (f *FakeMachines) SetPower(_ context.Context, name string, state infrav1alpha1.PowerState) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.Fail[name]; err != nil {
		return err
	}
	if f.state == nil {
		f.state = map[string]infrav1alpha1.PowerState{}
	}
	f.state[name] = state
	return nil
}

// Power returns the machine's power state ("" if never switched).
func (f *FakeMachines) Power(name string) infrav1alpha1.PowerState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state[name]
}
