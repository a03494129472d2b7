package e2e_test

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/sim"
)

// target is one kind of mutating request a cold run sends: the simulator,
// the method, the path with IDs replaced by {zone} or {id}, and the names of
// its query parameters.
type target struct {
	Sim, Method, Pattern, Query string
}

func (tg target) String() string {
	s := tg.Sim + " " + tg.Method + " " + tg.Pattern
	if tg.Query != "" {
		s += "?" + tg.Query
	}
	return s
}

var hexID = regexp.MustCompile(`^[0-9a-fA-F-]{16,}$|^[0-9]+$`)

// targetOf normalises a logged request.
func targetOf(w *world, simName string, r sim.Request) target {
	zones := map[string]bool{}
	for _, z := range w.sb.Cloudflare.Zones() {
		zones[z.ID] = true
	}
	segs := strings.Split(r.Path, "/")
	for i, s := range segs {
		switch {
		case simName == "cloudflare" && zones[s]:
			segs[i] = "{zone}"
		case hexID.MatchString(s):
			segs[i] = "{id}"
		}
	}
	var keys []string
	if q, err := url.ParseQuery(r.Query); err == nil {
		for k := range q {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return target{Sim: simName, Method: r.Method, Pattern: strings.Join(segs, "/"), Query: strings.Join(keys, "&")}
}

// fault aims a fault of kind at tg in world w: {zone} becomes w's zone ID,
// and a path with an {id} becomes a prefix ending before it.
func (tg target) fault(w *world, kind sim.FaultKind) sim.Fault {
	path := tg.Pattern
	if strings.Contains(path, "{zone}") {
		path = strings.ReplaceAll(path, "{zone}", w.sb.Cloudflare.Zones()[0].ID)
	}
	if i := strings.Index(path, "{id}"); i >= 0 {
		path = path[:i] + "*"
	}
	f := sim.Fault{Kind: kind, Method: tg.Method, Path: path, Times: 1}
	if tg.Query != "" {
		f.Query = strings.SplitN(tg.Query, "&", 2)[0]
	}
	switch kind {
	case sim.FailBeforeCommit:
		f.Status = 503
	case sim.RateLimit:
		f.RetryAfter = time.Second
	case sim.SlowAfterCommit:
		f.Delay = slowDelay
	}
	return f
}

func (w *world) knobs(simName string) *sim.Knobs {
	for _, s := range w.simLogs() {
		if s.name == simName {
			return s.knobs
		}
	}
	w.t.Fatalf("no simulator %q", simName)
	return nil
}

// reference is what a cold run with no faults did: the mutating requests
// (normalised, deduplicated, in order), the hosts' changing commands, and
// the converged world.
type reference struct {
	targets []target
	hostCmd []string
	want    summary
	events  int
}

var (
	refOnce sync.Once
	ref     reference
	refErr  error
)

// coldRun runs the full recipe once on a fresh world, with no faults, and
// reads from the logs what it changed.
func coldRun(t *testing.T) reference {
	t.Helper()
	refOnce.Do(func() {
		w := newWorld(t)
		var events atomic.Int64
		r := w.recipe(recipeName, assemble.WithObserver(func(assemble.Event) { events.Add(1) }))
		out, err := r.Ensure(runCtx(t))
		if err != nil {
			refErr = err
			return
		}
		seen := map[target]bool{}
		for _, s := range w.simLogs() {
			for _, rq := range sim.MutatingOf(s.knobs.Requests()) {
				tg := targetOf(w, s.name, rq)
				if !seen[tg] {
					seen[tg] = true
					ref.targets = append(ref.targets, tg)
				}
			}
		}
		for _, c := range w.sb.Host(out.Server.IPv4).Log() {
			if c.Mutating {
				ref.hostCmd = append(ref.hostCmd, c.Cmd)
			}
		}
		ref.want = w.summary()
		ref.events = int(events.Load())
	})
	require.NoError(t, refErr, "the cold reference run failed")
	require.NotEmpty(t, ref.targets)
	return ref
}

// cell is one entry of the fault matrix.
type cell struct {
	name string
	// http faults
	tg   target
	kind sim.FaultKind
	// host faults
	cmd  string
	drop bool
}

func cells(ref reference) []cell {
	var out []cell
	for _, tg := range ref.targets {
		for _, k := range sim.FaultKinds {
			out = append(out, cell{name: string(k) + " " + tg.String(), tg: tg, kind: k})
		}
	}
	for _, c := range ref.hostCmd {
		short := c
		if len(short) > 40 {
			short = short[:40]
		}
		out = append(out, cell{name: "host-fail " + short, cmd: c}, cell{name: "host-drop " + short, cmd: c, drop: true})
	}
	return out
}

const hostFailCode = 97

// arm injects the cell's fault into w and returns a recipe whose first
// Ensure meets it, and a check that the fault fired as meant.
func (c cell) arm(t *testing.T, w *world, opts ...assemble.Option) (*assemble.Recipe, func(t *testing.T)) {
	if c.cmd == "" {
		knobs := w.knobs(c.tg.Sim)
		knobs.Inject(c.tg.fault(w, c.kind))
		return w.recipe(recipeName, opts...), func(t *testing.T) {
			require.Zero(t, knobs.PendingFaults(), "the fault never fired")
			for _, rq := range knobs.Requests() {
				if rq.Fault != "" {
					require.Equal(t, c.tg, targetOf(w, c.tg.Sim, rq), "the fault hit another request than the cell's")
					return
				}
			}
			t.Fatal("no request carries the fault")
		}
	}
	// Host faults are armed when the server step is done: the host exists
	// then, and the builder step has not started.
	var armed atomic.Bool
	var host *buildertest.Host
	observer := assemble.WithObserver(func(e assemble.Event) {
		if e.Step != assemble.StepServer || e.Phase != assemble.PhaseDone || !armed.CompareAndSwap(false, true) {
			return
		}
		for _, s := range w.sb.Hetzner.Servers() {
			if s.Name == recipeName+"-1" {
				host = w.sb.Host(s.IPv4)
			}
		}
		if host == nil {
			t.Errorf("no host behind the server")
			return
		}
		host.Inject(buildertest.Fault{Match: c.cmd, Drop: c.drop, Code: hostFailCode, Stderr: "injected failure\n"})
	})
	return w.recipe(recipeName, append(opts, observer)...), func(t *testing.T) {
		require.True(t, armed.Load(), "the server step never finished, so the host fault was never armed")
		require.NotNil(t, host)
		for _, cmd := range host.Log() {
			if cmd.Cmd == c.cmd && ((c.drop && cmd.Exit == -1) || (!c.drop && cmd.Exit == hostFailCode)) {
				return
			}
		}
		t.Fatalf("the host fault never fired; log: %v", host.Commands())
	}
}

// TestFaultMatrix injects, for every mutating request of a cold run and
// every fault kind (and every changing host command, failed or cut), one
// fault; runs Ensure (which may fail) and Ensure again; and requires the
// converged world, untouched neighbours, and a third run that changes
// nothing.
func TestFaultMatrix(t *testing.T) {
	ref := coldRun(t)
	cs := cells(ref)
	t.Logf("cold run: %d kinds of mutating request %v, %d changing host commands", len(ref.targets), ref.targets, len(ref.hostCmd))
	var ran, failedFirst atomic.Int64
	t.Run("cells", func(t *testing.T) {
		for _, c := range cs {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				r, fired := c.arm(t, w)
				_, err := r.Ensure(runCtx(t))
				if err != nil {
					failedFirst.Add(1)
					t.Logf("first run failed (allowed): %v", err)
				}
				fired(t)
				_, err = r.Ensure(runCtx(t))
				require.NoError(t, err, "the run after the fault must converge")
				w.requireConverged(t, ref.want)
				w.requireQuietRun(t, r)
				ran.Add(1)
			})
		}
	})
	t.Logf("fault matrix: %d cells ran (%d HTTP targets × %d kinds + %d host commands × 2), %d first runs failed and were finished by the second",
		ran.Load(), len(ref.targets), len(sim.FaultKinds), len(ref.hostCmd), failedFirst.Load())
	require.Equal(t, int64(len(cs)), ran.Load(), "not every cell passed")
}

// TestDestroyAfterFailedRun cuts a cold run with a sample of faults (every
// failed request, every lost response, every failed or cut host command)
// and destroys right away,
// without a converging run first: nothing of the recipe's may be left.
func TestDestroyAfterFailedRun(t *testing.T) {
	ref := coldRun(t)
	var sample []cell
	for _, c := range cells(ref) {
		if c.kind == sim.DropAfterCommit || c.kind == sim.FailBeforeCommit || c.cmd != "" {
			sample = append(sample, c)
		}
	}
	var ran atomic.Int64
	t.Run("cells", func(t *testing.T) {
		for _, c := range sample {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				r, fired := c.arm(t, w)
				_, err := r.Ensure(runCtx(t))
				t.Logf("first run: %v", err)
				fired(t)
				w.requireDestroyed(t, r)
				ran.Add(1)
			})
		}
	})
	t.Logf("destroy after failure: %d fault cells", ran.Load())
	require.Equal(t, int64(len(sample)), ran.Load())
}
