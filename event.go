package assemble

import (
	"fmt"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

// Action is what a run of the recipe does.
type Action string

// The actions.
const (
	ActionPlan    Action = "plan"
	ActionEnsure  Action = "ensure"
	ActionDestroy Action = "destroy"
)

// Phase is where a step is in its life within one run.
type Phase string

// The phases. For every step of a run the observer sees exactly one of:
// Started, then any number of Progress, then Done or Failed; or Skipped alone
// (the step never started because a step it needs failed or the run was
// cancelled).
const (
	PhaseStarted  Phase = "started"
	PhaseProgress Phase = "progress"
	PhaseDone     Phase = "done"
	PhaseFailed   Phase = "failed"
	PhaseSkipped  Phase = "skipped"
)

// Event is one thing that happened to one step.
type Event struct {
	// Recipe is the recipe's name.
	Recipe string
	// Action is the run the event belongs to.
	Action Action
	// Step is the step's name, such as "ssh-key" or "server".
	Step string
	// Phase is the step's phase.
	Phase Phase
	// Op is what the step did; set on Done.
	Op ensure.Op
	// Changes are the step's plan (Plan) or what it removed (Destroy); set on
	// Done.
	Changes ensure.Changes
	// Elapsed is the time since the step started; zero on Started and Skipped.
	Elapsed time.Duration
	// Message is a short human line: progress text, or the error on Failed.
	// It never holds a secret.
	Message string
	// Err is the step's error on Failed.
	Err error
}

// String renders the event as one line of progress.
func (e Event) String() string {
	s := fmt.Sprintf("%s %s %s", e.Action, e.Step, e.Phase)
	if e.Op != "" {
		s += " (" + string(e.Op) + ")"
	}
	if e.Elapsed > 0 {
		s += " " + e.Elapsed.Round(time.Millisecond).String()
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}
