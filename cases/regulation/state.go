package regulation

import "slices"

// State is where a case stands in its regulation.
type State string

// The states of a case (SPEC section 1).
const (
	StateReceived   State = "received"
	StateIncomplete State = "incomplete"
	StateInProgress State = "in_progress"
	StateDecided    State = "decided"
	StateEscalated  State = "escalated"
	StateClosed     State = "closed"
	StateWithdrawn  State = "withdrawn"
	StateDeclined   State = "declined"
)

// States lists every state, in the order of the procedure.
var States = []State{StateReceived, StateIncomplete, StateInProgress, StateDecided,
	StateEscalated, StateClosed, StateWithdrawn, StateDeclined}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// transitions lists, for each state, the states a case may move to. A
// command whose move is not listed is refused and changes nothing.
//
//	received, incomplete: the complaint is in; it is taken up, decided,
//	    declined, withdrawn, escalated or closed (settled informally)
//	in_progress: staff work on it; the same ways out
//	decided: the outcome was sent; it may go to the next body or close
//	escalated: the next body has it; its binding ruling decides the case,
//	    its advice hands it back (in_progress) for the decision
//	closed, withdrawn, declined: ended; staff may reopen, a declined
//	    complaint may go to the next body on appeal
var transitions = map[State][]State{
	StateReceived:   {StateIncomplete, StateInProgress, StateDecided, StateDeclined, StateWithdrawn, StateEscalated, StateClosed},
	StateIncomplete: {StateReceived, StateInProgress, StateDecided, StateDeclined, StateWithdrawn, StateClosed},
	StateInProgress: {StateDecided, StateDeclined, StateWithdrawn, StateEscalated, StateClosed},
	StateDecided:    {StateEscalated, StateClosed},
	StateEscalated:  {StateDecided, StateInProgress, StateWithdrawn, StateClosed},
	StateClosed:     {StateInProgress},
	StateWithdrawn:  {StateInProgress},
	StateDeclined:   {StateInProgress, StateEscalated},
}

// CanMoveTo reports whether a case in state s may move to state t.
func (s State) CanMoveTo(t State) bool { return slices.Contains(transitions[s], t) }

// Ended reports whether a case in this state is finished: closed,
// withdrawn or declined. Its retention term runs.
func (s State) Ended() bool {
	return s == StateClosed || s == StateWithdrawn || s == StateDeclined
}

// Open reports whether the complaint still waits for its outcome.
func (s State) Open() bool {
	return s == StateReceived || s == StateIncomplete || s == StateInProgress || s == StateEscalated
}
