package hetzner_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/hetzner"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
)

func TestOwnerLabelIsTheServerOne(t *testing.T) {
	require.Equal(t, server.OwnerLabel, hetzner.OwnerLabel)
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
	require.Equal(t, "shop/A", rec.ID)
	require.Equal(t, 3600, rec.TTL, "the zone's default")
	require.Equal(t, hetznertest.DefaultNameservers, rec.Nameservers)
	rs, ok := e.shop(t)
	require.True(t, ok)
	require.Equal(t, []hetznertest.RRRecord{{Value: "127.0.0.5", Comment: hetzner.OwnerComment("shop")}}, rs.Records)
	require.Equal(t, "shop", rs.Labels[hetzner.OwnerLabel])
	require.Nil(t, rs.TTL)
	require.Equal(t, 1, e.srv.Knobs().Mutating())
	t.Logf("cold Ensure: %d requests, %d mutating", len(e.srv.Knobs().Requests()), e.srv.Knobs().Mutating())

	mark := e.srv.Knobs().Mark()
	rec2, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, rec.ID, rec2.ID)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)), "second Ensure must not mutate")
	t.Logf("converged Ensure: %d requests, 0 mutating", len(e.srv.Knobs().Since(mark)))

	// A fresh provider (a new run) converges without mutating too.
	mark = e.srv.Knobs().Mark()
	_, op, err = e.provider().Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
	require.NotContains(t, e.logs.String(), e.srv.Token())

	// Destroy removes it (and the RRset, left empty); again is a no-op.
	cs, err := p.Destroy(ctx, spec())
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, ensure.Deleted, cs[0].Op)
	_, ok = e.shop(t)
	require.False(t, ok)
	cs, err = p.Destroy(ctx, spec())
	require.NoError(t, err)
	require.Empty(t, cs)
}

func TestEnsureApexAAAAAndTTL(t *testing.T) {
	e := newEnv(t)
	p := e.provider()
	s := dns.RecordSpec{Name: "Example.com.", Type: "aaaa", Content: "2001:db8::5", TTL: 300, Owner: "shop"}
	rec, op, err := p.Ensure(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "@/AAAA", rec.ID)
	require.Equal(t, 300, rec.TTL)
	rs, ok := e.srv.RRSet("example.com", "@", "AAAA")
	require.True(t, ok)
	require.Equal(t, 300, *rs.TTL)

	// Back to the zone default: one change_ttl, nothing else.
	s.TTL = 0
	mark := e.srv.Knobs().Mark()
	_, op, err = p.Ensure(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	muts := sim.MutatingOf(e.srv.Knobs().Since(mark))
	require.Len(t, muts, 1)
	require.True(t, strings.HasSuffix(muts[0].Path, "/actions/change_ttl"), muts[0].Path)
	rs, _ = e.srv.RRSet("example.com", "@", "AAAA")
	require.Nil(t, rs.TTL)
}

func TestEnsureMovesOurAddressOnly(t *testing.T) {
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
	require.Len(t, muts, 2, "add the new address, then remove the old")
	require.True(t, strings.HasSuffix(muts[0].Path, "/add_records"))
	require.True(t, strings.HasSuffix(muts[1].Path, "/remove_records"))
	rs, _ := e.shop(t)
	require.Equal(t, []string{"127.0.0.6"}, values(rs))
}

func TestRoundRobinNeighboursUntouched(t *testing.T) {
	e := newEnv(t)
	ours := hetznertest.RRRecord{Value: "127.0.0.4", Comment: hetzner.OwnerComment("shop")}
	n1 := hetznertest.RRRecord{Value: "127.0.0.20", Comment: "other server"}
	n2 := hetznertest.RRRecord{Value: "127.0.0.21"}
	e.srv.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "A", Records: []hetznertest.RRRecord{n1, ours, n2},
		Labels: map[string]string{"team": "web"}})
	p := e.provider()
	ctx := context.Background()

	plan, err := p.Plan(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, plan[0].Op)
	require.Contains(t, plan[0].Detail, "2 other record(s) kept")
	require.Zero(t, e.srv.Knobs().Mutating())

	rec, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, "127.0.0.5", rec.Content)
	rs, _ := e.shop(t)
	require.Equal(t, []hetznertest.RRRecord{n1, n2, {Value: "127.0.0.5", Comment: hetzner.OwnerComment("shop")}}, rs.Records)
	require.Equal(t, map[string]string{"team": "web", hetzner.OwnerLabel: "shop"}, rs.Labels, "unlabelled RRset holding our record gets our label, others kept")

	mark := e.srv.Knobs().Mark()
	_, op, err = p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))

	// Destroy removes only ours and takes our label off; the neighbours stay.
	cs, err := p.Destroy(ctx, spec())
	require.NoError(t, err)
	require.Len(t, cs, 2)
	require.Equal(t, ensure.Deleted, cs[0].Op)
	require.Equal(t, ensure.Updated, cs[1].Op)
	rs, ok := e.shop(t)
	require.True(t, ok)
	require.Equal(t, []hetznertest.RRRecord{n1, n2}, rs.Records)
	require.Equal(t, map[string]string{"team": "web"}, rs.Labels)
}

func TestUnownedConflictingRRSet(t *testing.T) {
	e := newEnv(t)
	foreign, _ := e.srv.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "A", Records: []hetznertest.RRRecord{{Value: "127.0.0.9"}, {Value: "127.0.0.10", Comment: "lb"}}})
	p := e.provider()
	ctx := context.Background()
	mark := e.srv.Knobs().Mark()

	_, _, err := p.Ensure(ctx, spec())
	require.ErrorIs(t, err, ensure.ErrConflict)
	var ce *hetzner.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Contains(t, err.Error(), "127.0.0.9")
	require.Contains(t, err.Error(), "Adopt")
	_, err = p.Plan(ctx, spec())
	require.ErrorIs(t, err, ensure.ErrConflict)
	cs, err := p.Destroy(ctx, spec())
	require.NoError(t, err)
	require.Empty(t, cs)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
	rs, _ := e.shop(t)
	require.Equal(t, foreign, rs)

	// Adopt takes over the first unmarked record; the other stays.
	s := spec()
	s.Adopt = true
	_, op, err := p.Ensure(ctx, s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	rs, _ = e.shop(t)
	require.Equal(t, []hetznertest.RRRecord{{Value: "127.0.0.5", Comment: hetzner.OwnerComment("shop")}, {Value: "127.0.0.10", Comment: "lb"}}, rs.Records)
	require.Equal(t, "shop", rs.Labels[hetzner.OwnerLabel])
}

func TestRRSetOfAnotherRecipeIsAConflict(t *testing.T) {
	e := newEnv(t)
	e.srv.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "A", Labels: map[string]string{hetzner.OwnerLabel: "blog"},
		Records: []hetznertest.RRRecord{{Value: "127.0.0.9", Comment: hetzner.OwnerComment("blog")}}})
	s := spec()
	s.Adopt = true
	_, _, err := e.provider().Ensure(context.Background(), s)
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Contains(t, err.Error(), "another recipe")
	require.Zero(t, e.srv.Knobs().Mutating())
}

func TestUnownedSameAddressIsUsedAndNeverDeleted(t *testing.T) {
	e := newEnv(t)
	foreign, _ := e.srv.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "A", Records: []hetznertest.RRRecord{{Value: "127.0.0.5", Comment: "hand-made"}, {Value: "127.0.0.9"}}})
	p := e.provider()
	ctx := context.Background()
	plan, err := p.Plan(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, plan[0].Op)
	rec, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, "shop/A", rec.ID)
	cs, err := p.Destroy(ctx, spec())
	require.NoError(t, err)
	require.Empty(t, cs)
	rs, _ := e.shop(t)
	require.Equal(t, foreign, rs)
	require.Zero(t, e.srv.Knobs().Mutating())
}

func TestCNAMEAtNameIsConflictBeforeMutating(t *testing.T) {
	e := newEnv(t)
	e.srv.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "CNAME", Records: []hetznertest.RRRecord{{Value: "elsewhere.example.net."}}})
	_, _, err := e.provider().Ensure(context.Background(), spec())
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Contains(t, err.Error(), "CNAME")
	require.Zero(t, e.srv.Knobs().Mutating())
}

func TestCreateCommittedThenDropped(t *testing.T) {
	for _, kind := range []sim.FaultKind{sim.DropAfterCommit, sim.FailBeforeCommit, sim.SlowAfterCommit} {
		t.Run(string(kind), func(t *testing.T) {
			e := newEnv(t)
			z := e.srv.Zones()[0]
			e.srv.Knobs().Inject(sim.Fault{Kind: kind, Method: http.MethodPost, Path: "/v1/zones/" + itoa(z.ID) + "/rrsets", Status: 502, Delay: 2 * time.Second})
			hc := &http.Client{Timeout: 500 * time.Millisecond}
			rec, op, err := e.provider(hetzner.WithHTTPClient(hc)).Ensure(context.Background(), spec())
			require.NoError(t, err)
			require.Equal(t, ensure.Created, op)
			rs, ok := e.shop(t)
			require.True(t, ok)
			require.Equal(t, []string{"127.0.0.5"}, values(rs), "exactly one record in the end")
			require.Equal(t, rs.ID(), rec.ID)
			posts := e.srv.Knobs().Count(http.MethodPost, "/v1/zones/"+itoa(z.ID)+"/rrsets")
			if kind == sim.FailBeforeCommit {
				require.Equal(t, 2, posts, "a create that failed before commit is sent again after a look")
			} else {
				require.Equal(t, 1, posts, "a committed create must be found, not repeated")
			}
		})
	}
}

func TestConcurrentEnsuresEndWithOneRecord(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = e.provider().Ensure(context.Background(), spec())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	rs, _ := e.shop(t)
	require.Equal(t, []string{"127.0.0.5"}, values(rs))
}

func TestRateLimitRetryAfterHonoured(t *testing.T) {
	e := newEnv(t)
	z := e.srv.Zones()[0]
	path := "/v1/zones/" + itoa(z.ID) + "/rrsets"
	e.srv.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Method: http.MethodPost, Path: path, RetryAfter: time.Second})
	var mu sync.Mutex
	var reports []string
	ctx := ensure.WithReporter(context.Background(), func(m string) { mu.Lock(); reports = append(reports, m); mu.Unlock() })
	_, op, err := e.provider().Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	var posts []sim.Request
	for _, r := range e.srv.Knobs().Requests() {
		if r.Method == http.MethodPost && r.Path == path {
			posts = append(posts, r)
		}
	}
	require.Len(t, posts, 2)
	require.Equal(t, http.StatusTooManyRequests, posts[0].Status)
	require.GreaterOrEqual(t, posts[1].At.Sub(posts[0].At), 950*time.Millisecond, "Retry-After not honoured")
	rs, _ := e.shop(t)
	require.Len(t, rs.Records, 1)
	mu.Lock()
	require.Contains(t, strings.Join(reports, "\n"), "rate limit")
	mu.Unlock()

	// Reads too.
	e.srv.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Method: http.MethodGet, Path: path, RetryAfter: time.Second})
	_, op, err = e.provider().Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
}

func TestBadInputsAreTypedAndMutateNothing(t *testing.T) {
	e := newEnv(t)
	e.srv.AddZone(hetznertest.ZoneRecord{Name: "secondary.dev", Mode: "secondary"})
	e.srv.AddZone(hetznertest.ZoneRecord{Name: "other.org"})
	cases := []struct {
		name  string
		p     *hetzner.Provider
		spec  func(s *dns.RecordSpec)
		is    []error
		field string
		msg   string
	}{
		{"bad token", hetzner.New(secret.New("wrong-token"), hetzner.WithEndpoint(e.srv.URL())), nil, []error{ensure.ErrUnauthorized}, "", "unauthorized"},
		{"empty token", hetzner.New(secret.New(""), hetzner.WithEndpoint(e.srv.URL())), nil, []error{ensure.ErrInvalidSpec}, "hetzner.token", ""},
		{"unknown zone", nil, func(s *dns.RecordSpec) { s.Name = "shop.unknown.net" }, []error{ensure.ErrNotFound, ensure.ErrInvalidSpec}, "", "zones there: example.com, secondary.dev, other.org"},
		{"secondary zone", nil, func(s *dns.RecordSpec) { s.Name = "www.secondary.dev" }, []error{ensure.ErrPrecondition}, "", "secondary mode"},
		{"malformed name", nil, func(s *dns.RecordSpec) { s.Name = "shop..example.com" }, []error{ensure.ErrInvalidSpec}, "dns.name", ""},
		{"single label", nil, func(s *dns.RecordSpec) { s.Name = "shop" }, []error{ensure.ErrInvalidSpec}, "dns.name", ""},
		{"bad characters", nil, func(s *dns.RecordSpec) { s.Name = "sh op.example.com" }, []error{ensure.ErrInvalidSpec}, "dns.name", ""},
		{"ipv6 in A", nil, func(s *dns.RecordSpec) { s.Content = "::1" }, []error{ensure.ErrInvalidSpec}, "dns.content", ""},
		{"bad type", nil, func(s *dns.RecordSpec) { s.Type = "MX" }, []error{ensure.ErrInvalidSpec}, "dns.type", ""},
		{"no owner", nil, func(s *dns.RecordSpec) { s.Owner = "" }, []error{ensure.ErrInvalidSpec}, "dns.owner", ""},
		{"owner not a label value", nil, func(s *dns.RecordSpec) { s.Owner = "my/shop" }, []error{ensure.ErrInvalidSpec}, "dns.owner", ""},
		{"ttl too low", nil, func(s *dns.RecordSpec) { s.TTL = 30 }, []error{ensure.ErrInvalidSpec}, "dns.ttl", ""},
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
			if c.msg != "" {
				require.Contains(t, err.Error(), c.msg)
			}
			_, err = p.Plan(context.Background(), s)
			require.Error(t, err)
			require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
			require.NotContains(t, err.Error(), e.srv.Token())
		})
	}
	_, ok := e.shop(t)
	require.False(t, ok)
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
	cs, err = p.Plan(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, cs[0].Op)
	s := spec()
	s.TTL = 300
	cs, err = p.Plan(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, cs[0].Op)
	require.Contains(t, cs[0].Detail, "ttl: zone default → 300")
	require.Equal(t, 1, e.srv.Knobs().Mutating())
}

func TestEnsureVerifiesAtEveryNameserver(t *testing.T) {
	e := newEnv(t)
	e.srv.SetPropagationDelay(150 * time.Millisecond)
	e.srv.SetNameserverDelay("helium.ns.hetzner.de", 300*time.Millisecond)
	start := time.Now()
	_, _, err := e.provider().Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 450*time.Millisecond, "Ensure returned before helium served the record")

	// A nameserver that never catches up within the deadline is named.
	e.srv.SetNameserverDelay("helium.ns.hetzner.de", time.Hour)
	s := spec()
	s.Content = "127.0.0.7"
	p := e.provider(hetzner.WithVerify(dns.WithTimeout(500 * time.Millisecond)))
	_, op, err := p.Ensure(context.Background(), s)
	require.ErrorIs(t, err, ensure.ErrTimeout)
	require.Equal(t, ensure.Updated, op)
	require.Contains(t, err.Error(), "nameserver helium.ns.hetzner.de answered NXDOMAIN")
	require.NotContains(t, err.Error(), "hydrogen")

	// Without verification it returns at once.
	e.srv.SetNameserverDelay("helium.ns.hetzner.de", 0)
	s.Content = "127.0.0.8"
	_, op, err = e.provider(hetzner.WithoutVerify()).Ensure(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
}

func TestCancelledContextStops(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := e.provider().Ensure(ctx, spec())
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, e.srv.Knobs().Mutating())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestStaleRecordOfOursBesideForeignRecordWithOurAddress(t *testing.T) {
	e := newEnv(t)
	hand := hetznertest.RRRecord{Value: "127.0.0.5", Comment: "hand-made"}
	e.srv.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "A",
		Records: []hetznertest.RRRecord{{Value: "127.0.0.4", Comment: hetzner.OwnerComment("shop")}, hand}})
	p := e.provider()
	_, op, err := p.Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	rs, _ := e.shop(t)
	require.Equal(t, []hetznertest.RRRecord{hand}, rs.Records, "our stale record removed, the hand-made one kept as it was")
	require.Equal(t, "shop", rs.Labels[hetzner.OwnerLabel])
	mark := e.srv.Knobs().Mark()
	_, op, err = p.Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
	cs, err := p.Destroy(context.Background(), spec())
	require.NoError(t, err)
	require.Len(t, cs, 1, "only the label comes off")
	require.Equal(t, ensure.Updated, cs[0].Op)
	rs, _ = e.shop(t)
	require.Equal(t, []hetznertest.RRRecord{hand}, rs.Records)
}
