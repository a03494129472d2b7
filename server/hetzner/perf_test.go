package hetzner_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
)

// inFlight holds every request until want are in flight at once (or a
// short bound passes) and remembers the most it saw together.
type inFlight struct {
	want int
	mu   sync.Mutex
	cur  int
	most int
	all  chan struct{}
	once sync.Once
}

func (f *inFlight) latency(*http.Request) time.Duration {
	f.mu.Lock()
	f.cur++
	f.most = max(f.most, f.cur)
	if f.cur >= f.want {
		f.once.Do(func() { close(f.all) })
	}
	f.mu.Unlock()
	select {
	case <-f.all:
	case <-time.After(300 * time.Millisecond): // sequential reads end up here, one by one
	}
	f.mu.Lock()
	f.cur--
	f.mu.Unlock()
	return 0
}

func TestWarmEnsureReadsEverythingAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)

	k := e.sim.Knobs()
	f := &inFlight{want: 7, all: make(chan struct{})}
	k.SetLatencyFunc(f.latency)
	mark := k.Mark()
	_, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	reqs := k.Since(mark)
	require.Len(t, reqs, 7, "one read per resource and catalog entry: %v", reqs)
	for _, r := range reqs {
		require.Equal(t, "GET", r.Method, r.String())
		require.False(t, strings.HasPrefix(r.Path, "/v1/servers/"), "an unchanged running server is not read again: %s", r)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, 7, f.most, "the reads went out together")
}

func TestAddressReportedBeforeSSH(t *testing.T) {
	e := newEnv(t)
	var (
		mu  sync.Mutex
		got []server.Server
	)
	ctx := server.WithAddressHook(context.Background(), func(s server.Server) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	})
	srv, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, srv.IPv4, got[0].IPv4)
	require.Equal(t, srv.IPv6, got[0].IPv6)
	require.Nil(t, got[0].HostKey, "reported before SSH was verified")

	// A server that exists is reported right after it is found.
	got = nil
	_, _, err = e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, srv.IPv4, got[0].IPv4)
}

func TestActionWaitPollsByProgress(t *testing.T) {
	e := newEnv(t)
	e.sim.SetActionDuration(300 * time.Millisecond)
	// Backing off from 5ms by half each time would poll about nine times
	// in 300ms; the progress the action reports says when it will be done.
	p := hetzner.New(secret.New(e.sim.Token()), append(fastOpts(e.hosts),
		hetzner.WithEndpoint(e.sim.URL()), hetzner.WithPollInterval(5*time.Millisecond, time.Second))...)
	k := e.sim.Knobs()
	_, _, err := p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	polls := 0
	for _, r := range k.Requests() {
		if r.Path == "/v1/actions" {
			polls++
		}
	}
	require.GreaterOrEqual(t, polls, 1)
	require.LessOrEqual(t, polls, 4, "action polls")
}
