package regulation

import "testing"

func TestTransitions(t *testing.T) {
	for _, tt := range []struct {
		from, to State
		ok       bool
	}{
		{StateReceived, StateDecided, true},
		{StateWithdrawn, StateDecided, false},
		{StateDeclined, StateDecided, false},
		{StateClosed, StateDecided, false},
		{StateDecided, StateDecided, false},
		{StateDecided, StateEscalated, true},
		{StateEscalated, StateDecided, true},
		{StateClosed, StateInProgress, true},
		{StateInProgress, StateReceived, false},
		{StateDeclined, StateEscalated, true},
		{StateWithdrawn, StateWithdrawn, false},
	} {
		if got := tt.from.CanMoveTo(tt.to); got != tt.ok {
			t.Errorf("%s → %s = %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}
	for _, s := range States {
		if _, ok := transitions[s]; !ok {
			t.Errorf("state %s has no transitions entry", s)
		}
	}
}
