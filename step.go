package assemble

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
)

// Step is one unit of a recipe. Every ingredient is a Step; programs may add
// their own with Recipe.Add.
//
// A step reads what the steps it needs produced from *Outputs and writes its
// own result there. The Recipe guarantees that a step runs only after every
// step it Needs has finished, so those reads never race.
type Step interface {
	// Name identifies the step in events and errors; unique in a recipe.
	Name() string
	// Needs names the steps that must finish first. It is called when a run
	// starts, after the whole recipe is built.
	Needs() []string
	// Ensure converges the step's resources and reports what it did.
	Ensure(ctx context.Context, out *Outputs) (ensure.Op, error)
}

// Planner is a Step that can say what Ensure would change, using reads only.
// A step that isn't a Planner shows no changes in a plan.
type Planner interface {
	Plan(ctx context.Context, out *Outputs) (ensure.Changes, error)
}

// Destroyer is a Step that can remove what it made. A step that isn't a
// Destroyer is left alone by Destroy.
type Destroyer interface {
	Destroy(ctx context.Context, out *Outputs) (ensure.Changes, error)
}

// Validator is a Step that can check its input before anything runs:
// Ensure calls Validate on every step that has one, all at once, before the
// first step starts, and on any failure runs nothing. Validate uses reads
// only (a catalog, a token check, a look-up of what exists, a CLI's sign-in
// status) and needs no other step's output. What it read, the step's Ensure
// may use moments later instead of reading again (the providers keep it
// with a short lifetime), so the preflight costs a converged re-run nothing
// extra.
type Validator interface {
	Validate(ctx context.Context) error
}

// StepFunc adapts plain functions into a Step, for programs that add a step
// of their own. Plan and Destroy may be nil.
type StepFunc struct {
	StepName  string
	StepNeeds []string
	EnsureFn  func(ctx context.Context, out *Outputs) (ensure.Op, error)
	PlanFn    func(ctx context.Context, out *Outputs) (ensure.Changes, error)
	DestroyFn func(ctx context.Context, out *Outputs) (ensure.Changes, error)
}

// Name implements Step.
func (s *StepFunc) Name() string { return s.StepName }

// Needs implements Step.
func (s *StepFunc) Needs() []string { return s.StepNeeds }

// Ensure implements Step.
func (s *StepFunc) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	if s.EnsureFn == nil {
		return ensure.Unchanged, nil
	}
	return s.EnsureFn(ctx, out)
}

// Plan implements Planner.
func (s *StepFunc) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	if s.PlanFn == nil {
		return nil, nil
	}
	return s.PlanFn(ctx, out)
}

// Destroy implements Destroyer.
func (s *StepFunc) Destroy(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	if s.DestroyFn == nil {
		return nil, nil
	}
	return s.DestroyFn(ctx, out)
}

var (
	_ Step      = (*StepFunc)(nil)
	_ Planner   = (*StepFunc)(nil)
	_ Destroyer = (*StepFunc)(nil)
)

// MilestoneNeeder is a Step that can start Ensure before some of the steps
// it needs have finished: as soon as each of them reaches a milestone. The
// DNS steps use it to write the record once the server's address is known,
// while the server is still booting. A needed step that finishes has
// reached all its milestones, so a step that never calls Reach only delays
// its dependents until it is done; one that fails before reaching a
// milestone makes them skip, as any failure does. Plan and Destroy always
// wait for whole steps.
//
// A step that starts on a milestone must read only what the needed step
// published for that milestone (never the Outputs field the needed step is
// still filling in).
type MilestoneNeeder interface {
	// NeedsMilestones maps names from Needs to the milestone of that step
	// that is enough to start.
	NeedsMilestones() map[string]string
}

// MilestoneServerAddress is reached by the server step when the server's
// addresses are known: right after the provider created or found it, before
// it answers SSH (for providers that report it, see server.WithAddressHook;
// otherwise when the step is done).
const MilestoneServerAddress = "address"

type reachKey struct{}

// Reach tells the recipe that the step running Ensure with ctx has reached
// milestone, so steps waiting for it may start. Anything the milestone
// promises must be published before the call. Outside a step's Ensure, or
// for a milestone no step waits for, it does nothing; reaching a milestone
// twice is the same as once.
func Reach(ctx context.Context, milestone string) {
	if f, ok := ctx.Value(reachKey{}).(func(string)); ok {
		f(milestone)
	}
}
