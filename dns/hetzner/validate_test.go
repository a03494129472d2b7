package hetzner_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/hetzner"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/prime"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
)

// hold is how long the simulator holds each request once the world is
// converged, so that sim.Rounds can tell parallel requests from sequential
// ones in its log.
const hold = 100 * time.Millisecond

// preflightSpec is the spec as the Recipe's preflight passes it: the
// server's address is not known yet, a placeholder stands in.
func preflightSpec() dns.RecordSpec {
	s := spec()
	s.Content = "192.0.2.1"
	return s
}

// converged starts a simulator holding shop.example.com as Ensure made it.
func converged(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	_, op, err := e.provider().Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	e.srv.Knobs().SetLatency(hold)
	return e
}

// zoneReads counts the look-ups of a zone by name (GET /v1/zones/NAME).
func zoneReads(rs []sim.Request) int {
	n := 0
	for _, r := range rs {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Path, "/v1/zones/") && strings.Count(r.Path, "/") == 3 {
			n++
		}
	}
	return n
}

// A fresh process: Validate finds the zone (proving the token) in one
// round; Ensure then only lists the RRsets. Without Validate, Ensure pays
// both rounds itself; in total the same requests go out, none twice.
func TestValidatePrimesEnsure(t *testing.T) {
	e := converged(t)
	ctx := context.Background()
	k := e.srv.Knobs()

	// Before: Ensure alone in a fresh process.
	mark := k.Mark()
	_, op, err := e.provider().Ensure(ctx, spec())
	alone := sim.Rounds(k.Since(mark), hold)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	before := k.Since(mark)
	require.Len(t, before, 3, "2 zone candidates, RRset list: %v", before)
	require.Equal(t, 2, alone, "the zone candidates together, then the RRsets")

	// After: Validate, then Ensure.
	p := e.provider()
	mark = k.Mark()
	require.NoError(t, p.Validate(ctx, preflightSpec()))
	validateRounds := sim.Rounds(k.Since(mark), hold)
	validate := k.Since(mark)
	require.Equal(t, 1, validateRounds, "the zone candidates go out together: %v", validate)
	require.Len(t, validate, 2, "%v", validate)
	require.Equal(t, 2, zoneReads(validate))

	mark = k.Mark()
	rec, op, err := p.Ensure(ctx, spec())
	ensureRounds := sim.Rounds(k.Since(mark), hold)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, "example.com", rec.Zone)
	require.Equal(t, hetznertest.DefaultNameservers, rec.Nameservers)
	after := k.Since(mark)
	require.Len(t, after, 1, "only the RRset list: %v", after)
	require.Equal(t, http.MethodGet, after[0].Method)
	require.True(t, strings.HasSuffix(after[0].Path, "/rrsets"), after[0].Path)
	require.Equal(t, 1, ensureRounds)

	require.Equal(t, len(before), len(validate)+len(after), "no read made twice")
	require.Less(t, len(after), len(before))
	require.Empty(t, sim.MutatingOf(append(validate, after...)))
	t.Logf("fresh converged run: Ensure alone %d requests in %d rounds; Validate %d in %d round, then Ensure %d in %d round",
		len(before), alone, len(validate), validateRounds, len(after), ensureRounds)
}

// Plan reads the zone itself and leaves the primed one to Ensure.
func TestPlanReadsForItself(t *testing.T) {
	e := converged(t)
	p := e.provider()
	require.NoError(t, p.Validate(context.Background(), preflightSpec()))
	mark := e.srv.Knobs().Mark()
	cs, err := p.Plan(context.Background(), spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, cs[0].Op)
	// No preflight comes before a plan: a primed zone would only be a
	// failed preflight's leftover, so Plan looks the zone up itself.
	require.Greater(t, len(e.srv.Knobs().Since(mark)), 1)
	// And the zone primed for Ensure is still there for it.
	mark = e.srv.Knobs().Mark()
	_, _, err = p.Ensure(context.Background(), spec())
	require.NoError(t, err)
	require.Len(t, e.srv.Knobs().Since(mark), 1, "the record list only")
}

// A primed zone is used once: the next Ensure looks the zone up again.
func TestPrimedZoneIsUsedOnce(t *testing.T) {
	e := converged(t)
	k := e.srv.Knobs()
	p := e.provider()
	ctx := context.Background()
	require.NoError(t, p.Validate(ctx, preflightSpec()))
	_, _, err := p.Ensure(ctx, spec())
	require.NoError(t, err)

	mark := k.Mark()
	_, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	second := k.Since(mark)
	require.Equal(t, 2, zoneReads(second), "%v", second)
	require.Len(t, second, 3, "%v", second)
}

// A primed zone older than prime.DefaultTTL is not used.
func TestStalePrimedZoneIsReadAgain(t *testing.T) {
	e := converged(t)
	k := e.srv.Knobs()
	p := e.provider()
	var mu sync.Mutex
	now := time.Now()
	hetzner.SetPrimeClock(p, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	ctx := context.Background()
	require.NoError(t, p.Validate(ctx, preflightSpec()))

	mu.Lock()
	now = now.Add(prime.DefaultTTL + time.Second)
	mu.Unlock()
	mark := k.Mark()
	_, op, err := p.Ensure(ctx, spec())
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, 2, zoneReads(k.Since(mark)), "%v", k.Since(mark))
}

// A zone primed for one name is not used for another, nor for the other
// type of the same name; each takes its own.
func TestPrimedZoneIsPerRecord(t *testing.T) {
	e := converged(t)
	k := e.srv.Knobs()
	p := e.provider()
	ctx := context.Background()
	require.NoError(t, p.Validate(ctx, preflightSpec()))
	aaaa := preflightSpec()
	aaaa.Type, aaaa.Content = "AAAA", "2001:db8::1"
	require.NoError(t, p.Validate(ctx, aaaa))

	www := spec()
	www.Name = "www.example.com"
	mark := k.Mark()
	_, op, err := p.Ensure(ctx, www)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, 2, zoneReads(k.Since(mark)), "another name reads its zone")

	aaaa.Content = "2001:db8::5"
	mark = k.Mark()
	_, _, err = p.Ensure(ctx, aaaa)
	require.NoError(t, err)
	require.Zero(t, zoneReads(k.Since(mark)), "the AAAA record's own primed zone")

	mark = k.Mark()
	_, op, err = p.Ensure(ctx, dns.RecordSpec{Name: "Shop.Example.com.", Content: "127.0.0.5", Owner: "shop"})
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Zero(t, zoneReads(k.Since(mark)), "the same record, spelled differently")
}

// What only Hetzner knows now stops Validate, with the error Ensure would
// return, and nothing is written; what is knowable offline is still found
// without a request.
func TestValidateRefusals(t *testing.T) {
	e := newEnv(t)
	e.srv.AddZone(hetznertest.ZoneRecord{Name: "secondary.dev", Mode: "secondary"})
	cases := []struct {
		name     string
		p        *hetzner.Provider
		spec     func(s *dns.RecordSpec)
		is       []error
		field    string
		contains []string
		offline  bool
	}{
		{name: "bad token", p: hetzner.New(secret.New("wrong-token"), hetzner.WithEndpoint(e.srv.URL())),
			is: []error{ensure.ErrUnauthorized}, contains: []string{"unauthorized", "hetzner.token", "read & write"}},
		{name: "unknown zone", spec: func(s *dns.RecordSpec) { s.Name = "shop.unknown.net" },
			is: []error{ensure.ErrNotFound, ensure.ErrInvalidSpec}, contains: []string{"no zone named shop.unknown.net or unknown.net", "zones there: example.com, secondary.dev", "add the zone"}},
		{name: "secondary zone", spec: func(s *dns.RecordSpec) { s.Name = "www.secondary.dev" },
			is: []error{ensure.ErrPrecondition}, contains: []string{"secondary mode"}},
		{name: "empty token", p: hetzner.New(secret.New(""), hetzner.WithEndpoint(e.srv.URL())),
			is: []error{ensure.ErrInvalidSpec}, field: "hetzner.token", offline: true},
		{name: "ttl too low", spec: func(s *dns.RecordSpec) { s.TTL = 30 },
			is: []error{ensure.ErrInvalidSpec}, field: "dns.ttl", offline: true},
		{name: "owner not a label value", spec: func(s *dns.RecordSpec) { s.Owner = "my/shop" },
			is: []error{ensure.ErrInvalidSpec}, field: "dns.owner", offline: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			if p == nil {
				p = e.provider()
			}
			s := preflightSpec()
			if c.spec != nil {
				c.spec(&s)
			}
			mark := e.srv.Knobs().Mark()
			err := p.Validate(context.Background(), s)
			require.Error(t, err)
			sent := e.srv.Knobs().Since(mark)
			require.Empty(t, sim.MutatingOf(sent))
			if c.offline {
				require.Empty(t, sent, "knowable without asking")
			} else {
				require.NotEmpty(t, sent)
			}
			for _, want := range c.is {
				require.ErrorIs(t, err, want)
			}
			for _, want := range c.contains {
				require.Contains(t, err.Error(), want)
			}
			if c.field != "" {
				var ie *ensure.InvalidError
				require.ErrorAs(t, err, &ie)
				require.Equal(t, c.field, ie.Field)
				require.NotEmpty(t, ie.Fix)
			}
			require.NotContains(t, err.Error(), e.srv.Token())
			require.NotContains(t, err.Error(), "wrong-token")
			require.True(t, strings.HasPrefix(err.Error(), "check dns record "), err.Error())

			// Ensure refuses the same way: same error types.
			_, _, eerr := p.Ensure(context.Background(), s)
			require.Error(t, eerr)
			for _, want := range c.is {
				require.ErrorIs(t, eerr, want)
			}
			var ze, eze *hetzner.ZoneError
			require.Equal(t, errors.As(err, &ze), errors.As(eerr, &eze))
			var he, ehe *hetzner.Error
			require.Equal(t, errors.As(err, &he), errors.As(eerr, &ehe))
			require.Empty(t, sim.MutatingOf(e.srv.Knobs().Since(mark)))
		})
	}
	_, ok := e.shop(t)
	require.False(t, ok)
}

// A refused Validate primes nothing: once the zone exists, Ensure finds it.
func TestRefusedValidatePrimesNothing(t *testing.T) {
	e := newEnv(t)
	p := e.provider(hetzner.WithoutVerify())
	s := preflightSpec()
	s.Name = "shop.later.dev"
	require.ErrorIs(t, p.Validate(context.Background(), s), ensure.ErrNotFound)
	e.srv.AddZone(hetznertest.ZoneRecord{Name: "later.dev"})
	s.Content = "127.0.0.5"
	_, op, err := p.Ensure(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
}

// The zone of a deeper name is found in one round too, the longest suffix
// winning: a zone for sub.example.com beats example.com.
func TestZoneCandidatesInOneRound(t *testing.T) {
	e := newEnv(t)
	e.srv.AddZone(hetznertest.ZoneRecord{Name: "sub.example.com"})
	e.srv.Knobs().SetLatency(hold)
	p := e.provider()
	s := preflightSpec()
	s.Name = "a.b.sub.example.com"
	mark := e.srv.Knobs().Mark()
	require.NoError(t, p.Validate(context.Background(), s))
	require.Equal(t, 1, sim.Rounds(e.srv.Knobs().Since(mark), hold))
	require.Equal(t, 4, zoneReads(e.srv.Knobs().Since(mark)))
	s.Content = "127.0.0.5"
	rec, _, err := p.Ensure(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, "sub.example.com", rec.Zone)
	require.Equal(t, "a.b/A", rec.ID)
}

// The answers are read longest first, as if asked one after the other: a
// failure on a shorter candidate than the zone found doesn't matter, one on
// a longer candidate does (it may be the zone).
func TestZoneCandidateFailures(t *testing.T) {
	e := newEnv(t)
	e.srv.AddZone(hetznertest.ZoneRecord{Name: "sub.example.com"})
	p := e.provider(hetzner.WithRetry(0, time.Millisecond))
	s := preflightSpec()
	s.Name = "a.sub.example.com"

	e.srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: http.MethodGet, Path: "/v1/zones/example.com", Status: 503, Times: 10})
	require.NoError(t, p.Validate(context.Background(), s))
	e.srv.Knobs().ClearFaults()

	e.srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: http.MethodGet, Path: "/v1/zones/a.sub.example.com", Status: 503, Times: 10})
	err := p.Validate(context.Background(), s)
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.Contains(t, err.Error(), "find zone a.sub.example.com")
	require.Zero(t, e.srv.Knobs().Mutating())
}
