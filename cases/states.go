package cases

import "github.com/klachtenbus/klachtenbus/cases/regulation"

// State is where a case stands in its regulation; the state machine is
// the regulation's (regulation.State).
type State = regulation.State

// The states of a case (SPEC section 1).
const (
	StateReceived   = regulation.StateReceived
	StateIncomplete = regulation.StateIncomplete
	StateInProgress = regulation.StateInProgress
	StateDecided    = regulation.StateDecided
	StateEscalated  = regulation.StateEscalated
	StateClosed     = regulation.StateClosed
	StateWithdrawn  = regulation.StateWithdrawn
	StateDeclined   = regulation.StateDeclined
)

// States lists every state, in the order of the procedure.
var States = regulation.States
