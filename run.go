package assemble

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

// runner executes one action over a checked graph.
type runner struct {
	r      *Recipe
	g      *graph
	action Action
	out    *Outputs

	emitMu sync.Mutex

	mu      sync.Mutex
	errs    []*StepError
	changes map[int]ensure.Changes

	// milestones[i] are the milestones of step i that other steps wait
	// for (Ensure only); early[i] maps a step i needs to the milestone of
	// it that is enough for i to start.
	milestones []map[string]*milestone
	early      []map[int]string
}

// milestone is a point inside a step that other steps can start at.
type milestone struct {
	once    sync.Once
	reached chan struct{}
}

func (m *milestone) reach() { m.once.Do(func() { close(m.reached) }) }

// run executes action over the recipe's steps. Steps start when what they
// need is done (for Destroy: when what needs them is gone), at most
// r.concurrency at a time; the first failure cancels the rest.
func (r *Recipe) run(ctx context.Context, action Action) (*Outputs, ensure.Changes, error) {
	if err := validateName(r.name); err != nil {
		return nil, nil, err
	}
	if r.buildErr != nil {
		return nil, nil, r.buildErr
	}
	g, err := buildGraph(r.name, r.steps)
	if err != nil {
		return nil, nil, err
	}
	if action == ActionEnsure {
		if err := r.preflight(ctx, g); err != nil {
			return nil, nil, err
		}
	}
	ru := &runner{r: r, g: g, action: action, out: newOutputs(r.name), changes: map[int]ensure.Changes{}}
	if action == ActionEnsure {
		ru.findMilestones()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	if r.concurrency == 1 {
		ru.sequential(ctx, cancel)
	} else {
		ru.concurrent(ctx, cancel)
	}

	var all ensure.Changes
	order := g.order
	if action == ActionDestroy {
		order = reversed(order)
	}
	for _, i := range order {
		all = append(all, ru.changes[i]...)
	}
	if len(ru.errs) > 0 {
		// Steps that failed on their own first, then those merely cancelled.
		var own, cancelled []*StepError
		for _, e := range ru.errs {
			if isCancel(e.Err) {
				cancelled = append(cancelled, e)
			} else {
				own = append(own, e)
			}
		}
		return ru.out, all, &RecipeError{Recipe: r.name, Action: action, Steps: append(own, cancelled...)}
	}
	if err := ctx.Err(); err != nil {
		// Cancelled between steps: nothing failed, but not everything ran.
		return ru.out, all, &RecipeError{Recipe: r.name, Action: action, Steps: []*StepError{{Step: "(recipe)", Err: context.Cause(ctx)}}}
	}
	return ru.out, all, nil
}

// findMilestones sets up the milestones steps wait for. A milestone named
// for a step that isn't among the waiting step's needs is ignored.
func (ru *runner) findMilestones() {
	n := len(ru.g.steps)
	ru.milestones = make([]map[string]*milestone, n)
	ru.early = make([]map[int]string, n)
	for i, s := range ru.g.steps {
		mn, ok := s.(MilestoneNeeder)
		if !ok {
			continue
		}
		want := mn.NeedsMilestones()
		for _, j := range ru.g.needs[i] {
			name, ok := want[ru.g.steps[j].Name()]
			if !ok {
				continue
			}
			if ru.milestones[j] == nil {
				ru.milestones[j] = map[string]*milestone{}
			}
			if ru.milestones[j][name] == nil {
				ru.milestones[j][name] = &milestone{reached: make(chan struct{})}
			}
			if ru.early[i] == nil {
				ru.early[i] = map[int]string{}
			}
			ru.early[i][j] = name
		}
	}
}

// reachedCh returns the channel closed when step j reaches the milestone
// step i waits for, or nil (which never fires) when i waits for all of j.
func (ru *runner) reachedCh(i, j int) <-chan struct{} {
	if ru.early == nil {
		return nil
	}
	name, ok := ru.early[i][j]
	if !ok {
		return nil
	}
	return ru.milestones[j][name].reached
}

// reach marks step i's milestone as reached.
func (ru *runner) reach(i int, name string) {
	if ru.milestones == nil {
		return
	}
	if m := ru.milestones[i][name]; m != nil {
		ru.r.logger.Debug("milestone reached", "recipe", ru.r.name, "step", ru.g.steps[i].Name(), "milestone", name)
		m.reach()
	}
}

func reversed(in []int) []int {
	out := make([]int, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}

// prereqs returns the steps that must finish before step i runs.
func (ru *runner) prereqs() [][]int {
	if ru.action == ActionDestroy {
		return ru.g.dependents()
	}
	return ru.g.needs
}

func (ru *runner) sequential(ctx context.Context, cancel context.CancelCauseFunc) {
	order := ru.g.order
	if ru.action == ActionDestroy {
		order = reversed(order)
	}
	pre := ru.prereqs()
	failed := make([]bool, len(ru.g.steps))
	for _, i := range order {
		blocked := ctx.Err() != nil
		for _, j := range pre[i] {
			blocked = blocked || failed[j]
		}
		if blocked {
			failed[i] = true
			ru.emit(Event{Step: ru.g.steps[i].Name(), Phase: PhaseSkipped})
			continue
		}
		failed[i] = !ru.exec(ctx, cancel, i)
	}
}

func (ru *runner) concurrent(ctx context.Context, cancel context.CancelCauseFunc) {
	n := len(ru.g.steps)
	pre := ru.prereqs()
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	// failed[i] is written before done[i] is closed and read after, so the
	// channel orders the accesses.
	failed := make([]bool, n)
	limit := ru.r.concurrency
	if limit <= 0 {
		limit = n
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			skip := func() {
				failed[i] = true
				ru.emit(Event{Step: ru.g.steps[i].Name(), Phase: PhaseSkipped})
			}
			for _, j := range pre[i] {
				select {
				case <-ru.reachedCh(i, j):
					// Started early: if j fails from here on, the run is
					// cancelled and so is this step.
				case <-done[j]:
					if failed[j] {
						skip()
						return
					}
				case <-ctx.Done():
					skip()
					return
				}
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				skip()
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				skip()
				return
			}
			failed[i] = !ru.exec(ctx, cancel, i)
		}()
	}
	wg.Wait()
}

// exec runs one step and reports whether it succeeded.
func (ru *runner) exec(ctx context.Context, cancel context.CancelCauseFunc, i int) bool {
	s := ru.g.steps[i]
	name := s.Name()
	start := time.Now()
	ru.emit(Event{Step: name, Phase: PhaseStarted})
	ru.r.logger.Debug("step started", "recipe", ru.r.name, "action", string(ru.action), "step", name)
	sctx := ensure.WithReporter(ctx, func(msg string) {
		ru.emit(Event{Step: name, Phase: PhaseProgress, Message: msg, Elapsed: time.Since(start)})
	})
	sctx = context.WithValue(sctx, reachKey{}, func(m string) { ru.reach(i, m) })

	var (
		op      ensure.Op
		changes ensure.Changes
		err     error
	)
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = &panicError{step: name, value: p}
			}
		}()
		switch ru.action {
		case ActionEnsure:
			op, err = s.Ensure(sctx, ru.out)
		case ActionPlan:
			if p, ok := s.(Planner); ok {
				changes, err = p.Plan(sctx, ru.out)
			}
			op = ensure.Unchanged
			if len(changes.Mutating()) > 0 {
				op = ensure.Updated
			}
		case ActionDestroy:
			if d, ok := s.(Destroyer); ok {
				changes, err = d.Destroy(sctx, ru.out)
			}
			op = ensure.Unchanged
			if len(changes.Mutating()) > 0 {
				op = ensure.Deleted
			}
		}
	}()
	elapsed := time.Since(start)
	if err != nil {
		ru.mu.Lock()
		ru.errs = append(ru.errs, &StepError{Step: name, Err: err})
		ru.mu.Unlock()
		if ru.action != ActionDestroy {
			// Destroy carries on with what doesn't depend on the failed
			// step, so one stubborn resource doesn't keep the rest alive;
			// what it needs gone first is still skipped.
			cancel(&StepError{Step: name, Err: err})
		}
		ru.r.logger.Debug("step failed", "recipe", ru.r.name, "action", string(ru.action), "step", name, "elapsed", elapsed, "err", err.Error())
		ru.emit(Event{Step: name, Phase: PhaseFailed, Elapsed: elapsed, Message: err.Error(), Err: err})
		return false
	}
	if op == "" {
		op = ensure.Unchanged
	}
	ru.mu.Lock()
	ru.changes[i] = changes
	ru.mu.Unlock()
	if ru.milestones != nil {
		// Done means every milestone is behind it (done[i] is closed
		// right after this, too; this only saves waiters a wake-up).
		for _, m := range ru.milestones[i] {
			m.reach()
		}
	}
	ru.out.record(StepResult{Step: name, Op: op, Elapsed: elapsed, Changes: changes})
	ru.r.logger.Debug("step done", "recipe", ru.r.name, "action", string(ru.action), "step", name, "op", string(op), "elapsed", elapsed)
	ru.emit(Event{Step: name, Phase: PhaseDone, Op: op, Changes: changes, Elapsed: elapsed})
	return true
}

// emit delivers an event; the observer is called from one goroutine at a
// time, so it needs no locking of its own.
func (ru *runner) emit(e Event) {
	if ru.r.observer == nil {
		return
	}
	e.Recipe = ru.r.name
	e.Action = ru.action
	ru.emitMu.Lock()
	defer ru.emitMu.Unlock()
	ru.r.observer(e)
}

type panicError struct {
	step  string
	value any
}

func (p *panicError) Error() string { return "panic: " + slog.AnyValue(p.value).String() }

// preflight runs every step's Validate at once, before anything changes,
// and reports every failure (in the order the steps were added).
func (r *Recipe) preflight(ctx context.Context, g *graph) error {
	errs := make([]error, len(g.steps))
	var wg sync.WaitGroup
	for i, s := range g.steps {
		v, ok := s.(Validator)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = v.Validate(ctx)
		}()
	}
	wg.Wait()
	var failed []*StepError
	for i, err := range errs {
		if err != nil {
			failed = append(failed, &StepError{Step: g.steps[i].Name(), Err: err})
		}
	}
	if len(failed) > 0 {
		r.logger.Debug("preflight failed", "recipe", r.name, "steps", len(failed))
		return &RecipeError{Recipe: r.name, Action: ActionEnsure, Steps: failed}
	}
	return nil
}
