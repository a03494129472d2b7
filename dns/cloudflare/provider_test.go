package cloudflare_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/oapitest"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/sim"
)

type env struct {
	srv  *cloudflaretest.Server
	logs *syncBuffer
}

// newEnv starts a simulator whose every response is checked against
// Cloudflare's OpenAPI description, with zone example.com.
func newEnv(t *testing.T, opts ...cloudflaretest.Option) *env {
	t.Helper()
	chk := oapitest.New(t, "cloudflare-zones-dns.openapi.json")
	srv := cloudflaretest.New(t, append([]cloudflaretest.Option{cloudflaretest.WithMiddleware(contract(t, chk))}, opts...)...)
	srv.AddZone("example.com")
	return &env{srv: srv, logs: &syncBuffer{}}
}

func (e *env) provider(opts ...cloudflare.Option) *cloudflare.Provider {
	base := []cloudflare.Option{
		cloudflare.WithBaseURL(e.srv.URL()),
		cloudflare.WithVerify(dns.WithNameserverAddrs(e.srv.NameserverAddrs()), dns.WithInterval(10*time.Millisecond), dns.WithTimeout(5*time.Second)),
		cloudflare.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	return cloudflare.New(secret.New(e.srv.Token()), append(base, opts...)...)
}

func spec() dns.RecordSpec {
	return dns.RecordSpec{Name: "shop.example.com", Content: "127.0.0.5", Owner: "shop"}
}

func records(e *env, typ string) []cloudflaretest.Record {
	var out []cloudflaretest.Record
	for _, r := range e.srv.Records("example.com") {
		if r.Name == "shop.example.com" && r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func TestEnsureCreatesThenIsIdempotent(t *testing.T) {
	e := newEnv(t)
	p := e.provider()
	ctx := context.Background()

	rec, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "127.0.0.5", rec.Content)
	require.Equal(t, "example.com", rec.Zone)
	require.Equal(t, []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"}, rec.Nameservers)
	rs := records(e, "A")
	require.Len(t, rs, 1)
	require.Equal(t, cloudflare.OwnerComment("shop"), rs[0].Comment)
	require.False(t, rs[0].Proxied)
	require.Equal(t, 1, e.srv.Knobs().Count(http.MethodPost, "*"))
	require.Equal(t, 1, e.srv.Knobs().Mutating())
	t.Logf("cold Ensure: %d requests, %d mutating", len(e.srv.Knobs().Requests()), e.srv.Knobs().Mutating())

	mark := e.srv.Knobs().Mark()
	rec2, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, rec.ID, rec2.ID)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)), "second Ensure must not mutate")
	t.Logf("converged Ensure: %d requests, 0 mutating", len(e.srv.Knobs().Since(mark)))

	// A fresh provider (a new run) also converges without mutating.
	mark = e.srv.Knobs().Mark()
	_, op, err = e.provider().Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
	require.NotContains(t, e.logs.String(), e.srv.Token())
}

func TestEnsureUpdatesOnlyWhatChanged(t *testing.T) {
	e := newEnv(t)
	p := e.provider()
	ctx := context.Background()
	_, _, err := p.Ensure(ctx, spec())
	require.NoError(t, err)

	s := spec()
	s.Content = "127.0.0.6"
	mark := e.srv.Knobs().Mark()
	rec, op, err := p.Ensure(ctx, s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, "127.0.0.6", rec.Content)
	muts := sim.MutatingOf(e.srv.Knobs().Since(mark))
	require.Len(t, muts, 1)
	require.Equal(t, http.MethodPatch, muts[0].Method)
	require.Len(t, records(e, "A"), 1)
	require.Equal(t, "127.0.0.6", records(e, "A")[0].Content)
}

func TestRoundRobinNeighboursUntouched(t *testing.T) {
	e := newEnv(t)
	n1 := e.srv.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Type: "A", Content: "127.0.0.20", Comment: "other server", TTL: 300})
	p := e.provider()
	ctx := context.Background()
	// Ours exists beside a neighbour; changing ours leaves the neighbour.
	e.srv.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Type: "A", Content: "127.0.0.4", Comment: cloudflare.OwnerComment("shop")})
	rec, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, "127.0.0.5", rec.Content)
	rs := records(e, "A")
	require.Len(t, rs, 2)
	require.Equal(t, n1, rs[0], "neighbour changed")

	cs, err := p.Destroy(ctx, spec())
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, ensure.Deleted, cs[0].Op)
	require.Equal(t, []cloudflaretest.Record{n1}, records(e, "A"))
}

func TestUnownedConflictingRecord(t *testing.T) {
	e := newEnv(t)
	foreign := e.srv.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Type: "A", Content: "127.0.0.9", TTL: 300})
	p := e.provider()
	ctx := context.Background()
	mark := e.srv.Knobs().Mark()

	_, _, err := p.Ensure(ctx, spec())
	require.ErrorIs(t, err, ensure.ErrConflict)
	var ce *cloudflare.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Contains(t, err.Error(), "127.0.0.9")
	require.Contains(t, err.Error(), "Adopt")
	_, err = p.Plan(ctx, spec())
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
	require.Equal(t, []cloudflaretest.Record{foreign}, records(e, "A"))

	// Adopt takes it over.
	s := spec()
	s.Adopt = true
	rec, op, err := p.Ensure(ctx, s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, foreign.ID, rec.ID)
	rs := records(e, "A")
	require.Len(t, rs, 1)
	require.Equal(t, "127.0.0.5", rs[0].Content)
	require.Equal(t, cloudflare.OwnerComment("shop"), rs[0].Comment)
}

func TestUnownedSameContentIsUsedAndNeverDeleted(t *testing.T) {
	e := newEnv(t)
	foreign := e.srv.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Type: "A", Content: "127.0.0.5", TTL: 300, Comment: "hand-made"})
	p := e.provider()
	ctx := context.Background()
	rec, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, foreign.ID, rec.ID)
	cs, err := p.Destroy(ctx, spec())
	require.NoError(t, err)
	require.Empty(t, cs)
	require.Equal(t, []cloudflaretest.Record{foreign}, records(e, "A"))
	require.Zero(t, e.srv.Knobs().Mutating())
}

func TestCNAMEAtNameIsConflictBeforeMutating(t *testing.T) {
	e := newEnv(t)
	e.srv.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Type: "CNAME", Content: "elsewhere.example.net"})
	_, _, err := e.provider().Ensure(context.Background(), spec())
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Contains(t, err.Error(), "CNAME")
	require.Zero(t, e.srv.Knobs().Mutating())
}

func TestCreateCommittedThenDropped(t *testing.T) {
	for _, kind := range []sim.FaultKind{sim.DropAfterCommit, sim.FailBeforeCommit, sim.SlowAfterCommit} {
		t.Run(string(kind), func(t *testing.T) {
			e := newEnv(t)
			zid := e.srv.Zones()[0].ID
			e.srv.Knobs().Inject(sim.Fault{Kind: kind, Method: http.MethodPost, Path: "/client/v4/zones/" + zid + "/dns_records", Status: 502, Delay: 2 * time.Second})
			p := e.provider(cloudflare.WithRequestTimeout(500 * time.Millisecond))
			rec, op, err := p.Ensure(context.Background(), spec())
			require.NoError(t, err)
			require.Equal(t, ensure.Created, op)
			rs := records(e, "A")
			require.Len(t, rs, 1, "exactly one record in the end")
			require.Equal(t, rs[0].ID, rec.ID)
			posts := e.srv.Knobs().Count(http.MethodPost, "*")
			if kind == sim.FailBeforeCommit {
				require.Equal(t, 2, posts, "a create that failed before commit is sent again after a look")
			} else {
				require.Equal(t, 1, posts, "a committed create must be found, not repeated")
			}
		})
	}
}

func TestRateLimitRetryAfterHonoured(t *testing.T) {
	e := newEnv(t)
	zid := e.srv.Zones()[0].ID
	e.srv.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Method: http.MethodPost, Path: "/client/v4/zones/" + zid + "/dns_records", RetryAfter: time.Second})
	var reports []string
	var mu sync.Mutex
	ctx := ensure.WithReporter(context.Background(), func(m string) { mu.Lock(); reports = append(reports, m); mu.Unlock() })
	_, op, err := e.provider().Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	var posts []sim.Request
	for _, r := range e.srv.Knobs().Requests() {
		if r.Method == http.MethodPost {
			posts = append(posts, r)
		}
	}
	require.Len(t, posts, 2)
	require.Equal(t, http.StatusTooManyRequests, posts[0].Status)
	require.GreaterOrEqual(t, posts[1].At.Sub(posts[0].At), 900*time.Millisecond, "Retry-After not honoured")
	require.Len(t, records(e, "A"), 1)
	mu.Lock()
	require.NotEmpty(t, reports)
	require.Contains(t, strings.Join(reports, "\n"), "rate limit")
	mu.Unlock()

	// Reads: the SDK retries them, honouring Retry-After too.
	e.srv.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Method: http.MethodGet, Path: "/client/v4/zones/" + zid + "/dns_records", RetryAfter: time.Second})
	_, op, err = e.provider().Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
}

func TestBadInputsAreTypedAndMutateNothing(t *testing.T) {
	e := newEnv(t)
	e.srv.AddZone("pending.dev", cloudflaretest.ZoneStatus("pending"))
	e.srv.AddToken("disabled-token", cloudflaretest.TokenStatus("disabled"))
	cases := []struct {
		name  string
		p     *cloudflare.Provider
		spec  func(s *dns.RecordSpec)
		is    []error
		field string
	}{
		{"bad token", cloudflare.New(secret.New("wrong-token"), cloudflare.WithBaseURL(e.srv.URL())), nil, []error{ensure.ErrUnauthorized}, ""},
		{"disabled token", cloudflare.New(secret.New("disabled-token"), cloudflare.WithBaseURL(e.srv.URL())), nil, []error{ensure.ErrUnauthorized}, ""},
		{"empty token", cloudflare.New(secret.New(""), cloudflare.WithBaseURL(e.srv.URL())), nil, []error{ensure.ErrInvalidSpec}, "cloudflare.token"},
		{"unknown zone", nil, func(s *dns.RecordSpec) { s.Name = "shop.unknown.org" }, []error{ensure.ErrNotFound, ensure.ErrInvalidSpec}, ""},
		{"pending zone", nil, func(s *dns.RecordSpec) { s.Name = "www.pending.dev" }, []error{ensure.ErrPrecondition}, ""},
		{"malformed name", nil, func(s *dns.RecordSpec) { s.Name = "shop..example.com" }, []error{ensure.ErrInvalidSpec}, "dns.name"},
		{"single label", nil, func(s *dns.RecordSpec) { s.Name = "shop" }, []error{ensure.ErrInvalidSpec}, "dns.name"},
		{"bad characters", nil, func(s *dns.RecordSpec) { s.Name = "sh op.example.com" }, []error{ensure.ErrInvalidSpec}, "dns.name"},
		{"ipv6 in A", nil, func(s *dns.RecordSpec) { s.Content = "::1" }, []error{ensure.ErrInvalidSpec}, "dns.content"},
		{"no content", nil, func(s *dns.RecordSpec) { s.Content = "" }, []error{ensure.ErrInvalidSpec}, "dns.content"},
		{"bad type", nil, func(s *dns.RecordSpec) { s.Type = "MX" }, []error{ensure.ErrInvalidSpec}, "dns.type"},
		{"no owner", nil, func(s *dns.RecordSpec) { s.Owner = "" }, []error{ensure.ErrInvalidSpec}, "dns.owner"},
		{"ttl too low", nil, func(s *dns.RecordSpec) { s.TTL = 30 }, []error{ensure.ErrInvalidSpec}, "dns.ttl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			if p == nil {
				p = e.provider()
			}
			s := spec()
			if c.spec != nil {
				c.spec(&s)
			}
			mark := e.srv.Knobs().Mark()
			_, _, err := p.Ensure(context.Background(), s)
			require.Error(t, err)
			for _, want := range c.is {
				require.ErrorIs(t, err, want)
			}
			if c.field != "" {
				var ie *ensure.InvalidError
				require.ErrorAs(t, err, &ie)
				require.Equal(t, c.field, ie.Field)
				require.NotEmpty(t, ie.Fix)
			}
			_, err = p.Plan(context.Background(), s)
			require.Error(t, err)
			require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
			require.NotContains(t, err.Error(), e.srv.Token())
		})
	}
	require.Empty(t, e.srv.Records(""))
}

func TestConcurrentEnsuresEndWithOneRecord(t *testing.T) {
	for _, identical := range []bool{true, false} {
		name := "cloudflare-rejects-identical"
		if !identical {
			name = "race-lets-duplicates-through"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SetIdenticalCheck(identical)
			// Hold the first list of each run until both have listed, so
			// both decide to create.
			arrived := make(chan struct{}, 2)
			release := make(chan struct{})
			var once sync.Once
			var n atomic.Int32
			e.srv.Knobs().SetLatencyFunc(func(r *http.Request) time.Duration {
				if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/dns_records") || n.Add(1) > 2 {
					return 0
				}
				arrived <- struct{}{}
				if len(arrived) == 2 {
					once.Do(func() { close(release) })
				}
				select {
				case <-release:
				case <-time.After(3 * time.Second):
				}
				return 0
			})
			var wg sync.WaitGroup
			errs := make([]error, 2)
			ids := make([]string, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec, _, err := e.provider().Ensure(context.Background(), spec())
					errs[i] = err
					if rec != nil {
						ids[i] = rec.ID
					}
				}()
			}
			wg.Wait()
			require.NoError(t, errs[0])
			require.NoError(t, errs[1])
			rs := records(e, "A")
			require.Len(t, rs, 1, "one record in the end")
			require.Equal(t, rs[0].ID, ids[0])
			require.Equal(t, rs[0].ID, ids[1])
			require.Equal(t, 2, e.srv.Knobs().Count(http.MethodPost, "*"), "both runs created")
		})
	}
}

func TestDuplicatesOfOursAreRemovedKeepingTheOldest(t *testing.T) {
	e := newEnv(t)
	c := cloudflare.OwnerComment("shop")
	first := e.srv.AddRecord("example.com", cloudflaretest.Record{ID: "ffff", Name: "shop", Content: "127.0.0.5", Comment: c})
	e.srv.AddRecord("example.com", cloudflaretest.Record{ID: "0000", Name: "shop", Content: "127.0.0.5", Comment: c})
	p := e.provider()
	plan, err := p.Plan(context.Background(), spec())
	require.NoError(t, err)
	require.Len(t, plan.Mutating(), 1)
	require.Equal(t, ensure.Deleted, plan.Mutating()[0].Op)

	rec, op, err := p.Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, first.ID, rec.ID, "the oldest record is kept")
	require.Equal(t, []cloudflaretest.Record{first}, records(e, "A"))
}

func TestPlanUsesReadsOnly(t *testing.T) {
	e := newEnv(t)
	p := e.provider()
	cs, err := p.Plan(context.Background(), spec())
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, ensure.Created, cs[0].Op)
	require.Zero(t, e.srv.Knobs().Mutating())

	_, _, err = p.Ensure(context.Background(), spec())
	require.NoError(t, err)
	s := spec()
	s.TTL = 300
	cs, err = p.Plan(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, cs[0].Op)
	require.Contains(t, cs[0].Detail, "ttl: 1 → 300")
}

func TestEnsureVerifiesAtEveryNameserver(t *testing.T) {
	e := newEnv(t, cloudflaretest.WithPropagationDelay(150*time.Millisecond))
	e.srv.SetNameserverDelay("bob.ns.cloudflare.com", 300*time.Millisecond)
	start := time.Now()
	_, _, err := e.provider().Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond, "Ensure returned before bob served the record")

	// A nameserver that never catches up within the deadline is named.
	e.srv.SetNameserverDelay("bob.ns.cloudflare.com", time.Hour)
	s := spec()
	s.Content = "127.0.0.7"
	p := e.provider(cloudflare.WithVerify(dns.WithTimeout(400 * time.Millisecond)))
	_, op, err := p.Ensure(context.Background(), s)
	require.ErrorIs(t, err, ensure.ErrTimeout)
	require.Equal(t, ensure.Updated, op)
	require.Contains(t, err.Error(), "bob.ns.cloudflare.com")
	require.Contains(t, err.Error(), "nameserver bob.ns.cloudflare.com answered NXDOMAIN")
	require.NotContains(t, err.Error(), "ada.ns.cloudflare.com")
}

func TestProxiedRecordFailsVerifyWhenUnexpected(t *testing.T) {
	e := newEnv(t)
	// Someone turned the proxy on for our record: Ensure turns it off again.
	e.srv.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Content: "127.0.0.5", Proxied: true, Comment: cloudflare.OwnerComment("shop")})
	rec, op, err := e.provider().Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.False(t, rec.Proxied)
}
