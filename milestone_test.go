package assemble

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// early is a step that starts on a milestone of another.
type early struct {
	*StepFunc
	milestones map[string]string
}

func (e *early) NeedsMilestones() map[string]string { return e.milestones }

// waitOrFail waits for ch, failing the test after a generous bound.
func waitOrFail(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestStepStartsOnMilestone(t *testing.T) {
	tr := &trace{}
	ev := &events{}
	dnsStarted := make(chan struct{})
	r := New("shop", WithObserver(ev.observe)).
		Add(&StepFunc{StepName: "server", EnsureFn: func(ctx context.Context, out *Outputs) (ensure.Op, error) {
			tr.add("server address")
			Reach(ctx, "address")
			// The server only finishes once the record is being written:
			// this deadlocks unless dns starts on the milestone.
			waitOrFail(t, dnsStarted, "dns to start")
			tr.add("server done")
			return ensure.Created, nil
		}}).
		Add(&early{StepFunc: &StepFunc{StepName: "dns", StepNeeds: []string{"server"}, EnsureFn: func(ctx context.Context, out *Outputs) (ensure.Op, error) {
			tr.add("dns")
			close(dnsStarted)
			return ensure.Created, nil
		}}, milestones: map[string]string{"server": "address"}}).
		Add(fake(tr, "builder", "server"))
	out, err := r.Ensure(context.Background())
	require.NoError(t, err)
	log := tr.get()
	pos := func(s string) int { return slices.Index(log, s) }
	require.Less(t, pos("server address"), pos("dns"))
	require.Less(t, pos("dns"), pos("server done"))
	require.Less(t, pos("server done"), pos("ensure builder"), "a step without milestones waits for the whole step")
	require.Equal(t, ensure.Created, out.Op("dns"))
	ev.check(t, "server", "dns", "builder")
}

func TestMilestoneStepWithoutReachWaitsForTheEnd(t *testing.T) {
	tr := &trace{}
	r := New("shop").
		Add(fake(tr, "server")).
		Add(&early{StepFunc: fake(tr, "dns", "server"), milestones: map[string]string{"server": "address"}})
	_, err := r.Ensure(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"ensure server", "ensure dns"}, tr.get())
}

func TestFailureBeforeMilestoneSkipsTheWaiter(t *testing.T) {
	tr := &trace{}
	ev := &events{}
	boom := errors.New("boom")
	r := New("shop", WithObserver(ev.observe)).
		Add(&StepFunc{StepName: "server", EnsureFn: func(ctx context.Context, out *Outputs) (ensure.Op, error) {
			return "", boom
		}}).
		Add(&early{StepFunc: fake(tr, "dns", "server"), milestones: map[string]string{"server": "address"}})
	_, err := r.Ensure(context.Background())
	require.ErrorIs(t, err, boom)
	require.Empty(t, tr.get())
	ev.check(t, "server", "dns")
	ev.mu.Lock()
	defer ev.mu.Unlock()
	require.Contains(t, ev.all, Event{Recipe: "shop", Action: ActionEnsure, Step: "dns", Phase: PhaseSkipped})
}

func TestFailureAfterMilestoneCancelsTheWaiter(t *testing.T) {
	ev := &events{}
	boom := errors.New("boom")
	dnsRunning := make(chan struct{})
	r := New("shop", WithObserver(ev.observe)).
		Add(&StepFunc{StepName: "server", EnsureFn: func(ctx context.Context, out *Outputs) (ensure.Op, error) {
			Reach(ctx, "address")
			waitOrFail(t, dnsRunning, "dns to start")
			return "", boom
		}}).
		Add(&early{StepFunc: &StepFunc{StepName: "dns", StepNeeds: []string{"server"}, EnsureFn: func(ctx context.Context, out *Outputs) (ensure.Op, error) {
			close(dnsRunning)
			<-ctx.Done() // a long write, cut short
			return "", ctx.Err()
		}}, milestones: map[string]string{"server": "address"}})
	_, err := r.Ensure(context.Background())
	var re *RecipeError
	require.ErrorAs(t, err, &re)
	require.Len(t, re.Steps, 2)
	require.Equal(t, "server", re.Steps[0].Step, "the step that failed on its own comes first")
	require.ErrorIs(t, re.Steps[0].Err, boom)
	require.Equal(t, "dns", re.Steps[1].Step)
	require.ErrorIs(t, re.Steps[1].Err, context.Canceled)
	ev.check(t, "server", "dns")
}

func TestMilestonesDontApplyToPlanDestroyOrSequential(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		run  func(*Recipe) error
		want []string
	}{
		{"plan", nil, func(r *Recipe) error { _, err := r.Plan(context.Background()); return err }, []string{"plan server", "plan dns"}},
		{"destroy", nil, func(r *Recipe) error { _, err := r.Destroy(context.Background()); return err }, []string{"destroy dns", "destroy server"}},
		{"sequential", []Option{WithConcurrency(1)}, func(r *Recipe) error { _, err := r.Ensure(context.Background()); return err }, []string{"ensure server", "ensure dns"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &trace{}
			srv := fake(tr, "server")
			inner := srv.EnsureFn
			srv.EnsureFn = func(ctx context.Context, out *Outputs) (ensure.Op, error) {
				Reach(ctx, "address")
				return inner(ctx, out)
			}
			r := New("shop", tc.opts...).
				Add(srv).
				Add(&early{StepFunc: fake(tr, "dns", "server"), milestones: map[string]string{"server": "address"}})
			require.NoError(t, tc.run(r))
			require.Equal(t, tc.want, tr.get())
		})
	}
}

func TestReachOutsideAStepDoesNothing(t *testing.T) {
	Reach(context.Background(), MilestoneServerAddress) // no panic
	server.ReportAddress(context.Background(), &server.Server{IPv4: netip.MustParseAddr("127.0.0.2")})
}

// hookServer reports the address, then waits until the DNS record has been
// written before it returns, as a server that is still booting would.
type hookServer struct {
	t       *testing.T
	written chan struct{}
}

func (h *hookServer) Ensure(ctx context.Context, spec server.Spec) (*server.Server, ensure.Op, error) {
	srv := &server.Server{Name: spec.Name, IPv4: netip.MustParseAddr("127.0.0.7"), Labels: map[string]string{"a": "b"}}
	server.ReportAddress(ctx, srv)
	// Keep changing the server while DNS runs: DNS must use its copy.
	srv.Labels["c"] = "d"
	srv.IPv4 = netip.MustParseAddr("127.0.0.8")
	waitOrFail(h.t, h.written, "the record to be written")
	return srv, ensure.Created, nil
}

type recordingDNS struct {
	mu      sync.Mutex
	written chan struct{}
	got     []string
}

func (d *recordingDNS) Ensure(ctx context.Context, spec dns.RecordSpec) (*dns.Record, ensure.Op, error) {
	d.mu.Lock()
	d.got = append(d.got, spec.Content)
	d.mu.Unlock()
	close(d.written)
	return &dns.Record{Name: spec.Name, Type: "A", Content: spec.Content}, ensure.Created, nil
}

func TestDNSWrittenOnceTheServerAddressIsKnown(t *testing.T) {
	written := make(chan struct{})
	d := &recordingDNS{written: written}
	r := New("shop").
		Server(&hookServer{t: t, written: written}, server.Spec{Name: "shop-1"}).
		Domain(d, dns.RecordSpec{Name: "shop.example.com"})
	out, err := r.Ensure(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.7"}, d.got, "the record points at the address reported early")
	require.Equal(t, "127.0.0.7", out.Record.Content)
	require.Equal(t, "127.0.0.8", out.Server.IPv4.String(), "the server step's own result is untouched")
}
