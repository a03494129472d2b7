package assemble

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
)

// trace records what fake steps did, in order.
type trace struct {
	mu  sync.Mutex
	log []string
}

func (t *trace) add(s string) {
	t.mu.Lock()
	t.log = append(t.log, s)
	t.mu.Unlock()
}

func (t *trace) get() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.log...)
}

func fake(tr *trace, name string, needs ...string) *StepFunc {
	return &StepFunc{
		StepName:  name,
		StepNeeds: needs,
		EnsureFn: func(ctx context.Context, out *Outputs) (ensure.Op, error) {
			tr.add("ensure " + name)
			return ensure.Created, nil
		},
		PlanFn: func(ctx context.Context, out *Outputs) (ensure.Changes, error) {
			tr.add("plan " + name)
			return ensure.Changes{{Kind: "fake", Name: name, Op: ensure.Created}}, nil
		},
		DestroyFn: func(ctx context.Context, out *Outputs) (ensure.Changes, error) {
			tr.add("destroy " + name)
			return ensure.Changes{{Kind: "fake", Name: name, Op: ensure.Deleted}}, nil
		},
	}
}

// events collects events and checks their order per step.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (e *events) observe(ev Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

// check asserts the per-step grammar: Started Progress* (Done|Failed), or
// Skipped alone; every step of the recipe appears exactly once.
func (e *events) check(t *testing.T, steps ...string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	state := map[string]Phase{}
	for _, ev := range e.all {
		prev, seen := state[ev.Step]
		switch ev.Phase {
		case PhaseStarted, PhaseSkipped:
			require.False(t, seen, "step %s: %s after %s", ev.Step, ev.Phase, prev)
		case PhaseProgress, PhaseDone, PhaseFailed:
			require.True(t, seen && (prev == PhaseStarted || prev == PhaseProgress), "step %s: %s after %q", ev.Step, ev.Phase, prev)
		}
		if ev.Phase == PhaseFailed {
			require.Error(t, ev.Err)
		}
		state[ev.Step] = ev.Phase
	}
	for _, s := range steps {
		end := state[s]
		require.Contains(t, []Phase{PhaseDone, PhaseFailed, PhaseSkipped}, end, "step %s ended in %q", s, end)
	}
	require.Len(t, state, len(steps))
}

func TestDependencyOrder(t *testing.T) {
	tr := &trace{}
	ev := &events{}
	r := New("shop", WithObserver(ev.observe)).
		Add(fake(tr, "dns", "server")).
		Add(fake(tr, "server", "key")).
		Add(fake(tr, "key")).
		Add(fake(tr, "builder", "server"))
	out, err := r.Ensure(context.Background())
	require.NoError(t, err)
	log := tr.get()
	pos := func(s string) int { return slices.Index(log, s) }
	require.Less(t, pos("ensure key"), pos("ensure server"))
	require.Less(t, pos("ensure server"), pos("ensure dns"))
	require.Less(t, pos("ensure server"), pos("ensure builder"))
	require.Len(t, out.Steps(), 4)
	require.Equal(t, ensure.Created, out.Op("dns"))
	ev.check(t, "dns", "server", "key", "builder")

	tr.log = nil
	_, err = r.Destroy(context.Background())
	require.NoError(t, err)
	log = tr.get()
	require.Less(t, pos("destroy dns"), pos("destroy server"))
	require.Less(t, pos("destroy builder"), pos("destroy server"))
	require.Less(t, pos("destroy server"), pos("destroy key"))
}

func TestSequentialFollowsInsertionOrder(t *testing.T) {
	tr := &trace{}
	r := New("shop", WithConcurrency(1)).
		Add(fake(tr, "key")).
		Add(fake(tr, "storage")).
		Add(fake(tr, "dns", "server")).
		Add(fake(tr, "server", "key")).
		Add(fake(tr, "registry"))
	_, err := r.Ensure(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"ensure key", "ensure storage", "ensure server", "ensure dns", "ensure registry"}, tr.get())
}

// Two independent steps wait for each other: in sequence they would
// deadlock, so finishing proves they overlap. The deadline only keeps a
// broken engine from hanging the test.
func TestIndependentStepsOverlap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := make(chan struct{}), make(chan struct{})
	meet := func(mine, theirs chan struct{}) func(context.Context, *Outputs) (ensure.Op, error) {
		return func(ctx context.Context, _ *Outputs) (ensure.Op, error) {
			close(mine)
			select {
			case <-theirs:
				return ensure.Unchanged, nil
			case <-ctx.Done():
				return "", errors.New("the other step never ran alongside")
			}
		}
	}
	r := New("shop").
		Add(&StepFunc{StepName: "storage", EnsureFn: meet(a, b)}).
		Add(&StepFunc{StepName: "registry", EnsureFn: meet(b, a)})
	_, err := r.Ensure(ctx)
	require.NoError(t, err)
}

func TestConcurrencyIsBounded(t *testing.T) {
	var mu sync.Mutex
	running, peak := 0, 0
	gate := make(chan struct{})
	step := func(name string) *StepFunc {
		return &StepFunc{StepName: name, EnsureFn: func(ctx context.Context, _ *Outputs) (ensure.Op, error) {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			<-gate
			mu.Lock()
			running--
			mu.Unlock()
			return ensure.Unchanged, nil
		}}
	}
	r := New("shop", WithConcurrency(2))
	for i := range 6 {
		r.Add(step(fmt.Sprint("s", i)))
	}
	done := make(chan error)
	go func() { _, err := r.Ensure(context.Background()); done <- err }()
	// Let the steps through one at a time; at most two can be waiting.
	for range 6 {
		gate <- struct{}{}
	}
	require.NoError(t, <-done)
	require.LessOrEqual(t, peak, 2)
}

func TestFirstFailureCancelsTheRest(t *testing.T) {
	tr := &trace{}
	ev := &events{}
	boom := errors.New("server type cx99 does not exist")
	storageRunning := make(chan struct{})
	r := New("shop", WithObserver(ev.observe)).
		Add(fake(tr, "key")).
		Add(&StepFunc{StepName: "server", StepNeeds: []string{"key"}, EnsureFn: func(context.Context, *Outputs) (ensure.Op, error) {
			<-storageRunning // fail while the independent step is mid-wait
			return "", boom
		}}).
		Add(fake(tr, "dns", "server")).
		Add(&StepFunc{StepName: "storage", EnsureFn: func(ctx context.Context, _ *Outputs) (ensure.Op, error) {
			close(storageRunning)
			<-ctx.Done() // a long wait, cut by the failure
			return "", ctx.Err()
		}})
	out, err := r.Ensure(context.Background())
	var re *RecipeError
	require.ErrorAs(t, err, &re)
	require.Equal(t, []string{"server", "storage"}, re.Failed(), "the step that failed by itself comes first")
	require.ErrorIs(t, err, boom)
	require.Contains(t, err.Error(), `ensure recipe "shop": step server: server type cx99 does not exist`)
	var se *StepError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "server", se.Step)
	require.NotContains(t, tr.get(), "ensure dns", "a step after the failed one ran")
	require.Equal(t, ensure.Created, out.Op("key"))
	ev.check(t, "key", "server", "dns", "storage")
}

func TestCancellationLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	ev := &events{}
	r := New("shop", WithObserver(ev.observe)).
		Add(&StepFunc{StepName: "server", EnsureFn: func(ctx context.Context, _ *Outputs) (ensure.Op, error) {
			close(started)
			<-ctx.Done()
			return "", ctx.Err()
		}}).
		Add(&StepFunc{StepName: "dns", StepNeeds: []string{"server"}}).
		Add(&StepFunc{StepName: "builder", StepNeeds: []string{"server"}})
	errc := make(chan error)
	go func() { _, err := r.Ensure(ctx); errc <- err }()
	<-started
	cancel()
	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
	ev.check(t, "server", "dns", "builder")
	for _, e := range ev.all {
		if e.Step != "server" {
			require.Equal(t, PhaseSkipped, e.Phase, "%s ran after cancellation", e.Step)
		}
	}
	// Goroutines of the run are gone once Ensure returns; allow the
	// runtime a moment to reap the one that called it.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before)
}

func TestCancelledBeforeStartRunsNothing(t *testing.T) {
	tr := &trace{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New("shop").Add(fake(tr, "key")).Ensure(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, tr.get())
}

func TestGraphCheckedBeforeAnythingRuns(t *testing.T) {
	cases := map[string]struct {
		steps []string // name:needs,needs
		want  string
	}{
		"missing":   {[]string{"key", "dns:server"}, `step "dns" needs server, which the recipe doesn't have`},
		"cycle":     {[]string{"a:c", "b:a", "c:b"}, "cycle: a → c → b → a"},
		"self":      {[]string{"a:a"}, "cycle: a → a"},
		"duplicate": {[]string{"key", "key"}, `step "key" added twice`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tr := &trace{}
			r := New("shop")
			for _, s := range c.steps {
				n, needs, _ := cut(s)
				r.Add(fake(tr, n, needs...))
			}
			for _, run := range []func() error{
				func() error { _, err := r.Ensure(context.Background()); return err },
				func() error { _, err := r.Plan(context.Background()); return err },
				func() error { _, err := r.Destroy(context.Background()); return err },
			} {
				err := run()
				var ge *GraphError
				require.ErrorAs(t, err, &ge)
				require.Contains(t, err.Error(), c.want)
			}
			require.Empty(t, tr.get(), "something ran")
		})
	}
}

func cut(s string) (string, []string, bool) {
	for i := range s {
		if s[i] == ':' {
			var needs []string
			start := i + 1
			for j := start; j <= len(s); j++ {
				if j == len(s) || s[j] == ',' {
					needs = append(needs, s[start:j])
					start = j + 1
				}
			}
			return s[:i], needs, true
		}
	}
	return s, nil, false
}

func TestRecipeName(t *testing.T) {
	for _, ok := range []string{"shop", "Shop_2", "my-app", "a"} {
		require.NoError(t, validateName(ok), ok)
	}
	for name, why := range map[string]string{
		"":                       "is empty",
		"my app":                 "must match [a-z0-9_-]+",
		"shop.example":           "must match",
		"-shop":                  "start and end",
		"shop_":                  "start and end",
		"ünicode":                "must match",
		string(make([]byte, 64)): "must match",
	} {
		err := validateName(name)
		require.ErrorIs(t, err, ensure.ErrInvalidSpec, name)
		require.Contains(t, err.Error(), why, name)
	}
	long := "a"
	for len(long) < 64 {
		long += "b"
	}
	require.ErrorContains(t, validateName(long), "63")

	tr := &trace{}
	_, err := New("bad name").Add(fake(tr, "key")).Ensure(context.Background())
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Empty(t, tr.get())
}

func TestPlanCollectsChangesInOrder(t *testing.T) {
	tr := &trace{}
	r := New("shop").Add(fake(tr, "server", "key")).Add(fake(tr, "key"))
	plan, err := r.Plan(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"key", "server"}, []string{plan[0].Name, plan[1].Name})
	require.NotContains(t, tr.get(), "ensure key")
}

func TestProgressEvents(t *testing.T) {
	ev := &events{}
	r := New("shop", WithObserver(ev.observe)).Add(&StepFunc{StepName: "server", EnsureFn: func(ctx context.Context, _ *Outputs) (ensure.Op, error) {
		ensure.Report(ctx, "waiting for server %q to run", "shop-1")
		return ensure.Created, nil
	}})
	_, err := r.Ensure(context.Background())
	require.NoError(t, err)
	ev.check(t, "server")
	require.Equal(t, PhaseProgress, ev.all[1].Phase)
	require.Equal(t, `waiting for server "shop-1" to run`, ev.all[1].Message)
	require.Equal(t, ensure.Created, ev.all[2].Op)
}

func TestPanicBecomesStepError(t *testing.T) {
	r := New("shop").Add(&StepFunc{StepName: "bad", EnsureFn: func(context.Context, *Outputs) (ensure.Op, error) {
		panic("nil map")
	}})
	_, err := r.Ensure(context.Background())
	require.ErrorContains(t, err, "step bad: panic: nil map")
}

// validating wraps a fake step with a Validate that fails.
type validating struct {
	*StepFunc
	err error
}

func (v validating) Validate(context.Context) error { return v.err }

func TestPreflightRunsNothingAndListsEveryFailure(t *testing.T) {
	tr := &trace{}
	ev := &events{}
	badName := ensure.Invalid("dns.name", "shop..example.com", "empty label", "remove the double dot")
	signedOut := fmt.Errorf("check 1password: %w", ensure.ErrPrecondition)
	r := New("shop", WithObserver(ev.observe)).
		Add(fake(tr, "key")).
		Add(fake(tr, "storage")).
		Add(validating{fake(tr, "dns", "key"), badName}).
		Add(validating{fake(tr, "secrets"), signedOut}).
		Add(validating{fake(tr, "registry"), nil})
	_, err := r.Ensure(context.Background())
	var re *RecipeError
	require.ErrorAs(t, err, &re)
	require.Equal(t, []string{"dns", "secrets"}, re.Failed())
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	require.Empty(t, tr.get(), "a step ran although the preflight failed")
	require.Empty(t, ev.all, "events of a run that never started")

	// Plan and Destroy don't preflight: a plan shows what it can.
	_, err = r.Plan(context.Background())
	require.NoError(t, err)
}

// Destroy goes on with what doesn't depend on a failed step: one stubborn
// resource doesn't keep the others alive. What the failed step needs gone
// first is still skipped.
func TestDestroyCarriesOnPastAFailure(t *testing.T) {
	tr := &trace{}
	r := New("shop").
		Add(fake(tr, "key")).
		Add(fake(tr, "server", "key")).
		Add(&StepFunc{StepName: "dns", StepNeeds: []string{"server"}, DestroyFn: func(context.Context, *Outputs) (ensure.Changes, error) {
			return nil, errors.New("cloudflare refused the token")
		}}).
		Add(fake(tr, "storage"))
	_, err := r.Destroy(context.Background())
	var re *RecipeError
	require.ErrorAs(t, err, &re)
	require.Equal(t, []string{"dns"}, re.Failed())
	require.Contains(t, tr.get(), "destroy storage", "an independent step was cancelled by the failure")
	require.NotContains(t, tr.get(), "destroy server", "the server went before the record pointing at it")
}
