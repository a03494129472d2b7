package hetzner_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/prime"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
)

// fresh is a new provider on e's simulator: what a new process has.
func (e *env) fresh() *hetzner.Provider {
	return hetzner.New(secret.New(e.sim.Token()), append(fastOpts(e.hosts), hetzner.WithEndpoint(e.sim.URL()))...)
}

// noKey is the spec as the Recipe's preflight sees it: the login key is
// made later.
func noKey(s server.Spec) server.Spec { s.SSHKey = nil; return s }

// A re-run from a new process: Validate reads the world in one round and
// Ensure reads nothing more, where Ensure alone needs the same round again.
func TestValidatePrimesEnsure(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	k := e.sim.Knobs()

	p := e.fresh()
	m := k.Mark()
	require.NoError(t, p.Validate(ctx, noKey(e.spec)))
	validate := k.Since(m)
	require.Len(t, validate, 6, "location, type, image, key by name, firewall, server")
	require.Empty(t, sim.MutatingOf(validate))

	m = k.Mark()
	srv, op, err := p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, "shop-1", srv.Name)
	require.Empty(t, k.Since(m), "Ensure read nothing Validate had read")

	// Used once: the next Ensure reads for itself.
	m = k.Mark()
	_, op, err = p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	alone := k.Since(m)
	require.Len(t, alone, 7, "the catalog and every look-up, key by fingerprint included")
	require.Empty(t, sim.MutatingOf(alone))
}

// A primed read older than the TTL is not used.
func TestValidatePrimedGoesStale(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	now := time.Now()
	p := e.fresh()
	hetzner.SetPrimeClock(p, func() time.Time { return now })
	require.NoError(t, p.Validate(ctx, noKey(e.spec)))
	now = now.Add(prime.DefaultTTL + time.Second)
	m := e.sim.Knobs().Mark()
	_, _, err = p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, e.sim.Knobs().Since(m), 7, "a stale preflight is read again")
}

// A primed read is for its spec only.
func TestValidatePrimesOnlyItsSpec(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.fresh()
	other := e.spec
	other.Name = "shop-2"
	require.NoError(t, p.Validate(ctx, noKey(other)))
	m := e.sim.Knobs().Mark()
	_, op, err := p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Len(t, e.sim.Servers(), 1)
	require.Equal(t, "shop-1", e.sim.Servers()[0].Name)
	looked := 0
	for _, r := range e.sim.Knobs().Since(m) {
		if r.Method == "GET" && r.Path == "/v1/servers" && r.Query == "name=shop-1" {
			looked++
		}
	}
	require.Equal(t, 1, looked, "shop-1 was looked up by its own Ensure, not taken from shop-2's preflight")
}

// What only Hetzner knows is refused by the preflight, before any change:
// a token it doesn't accept, a server or firewall of the name that isn't
// the recipe's.
func TestValidateRefusesWhatOnlyHetznerKnows(t *testing.T) {
	ctx := context.Background()
	t.Run("token", func(t *testing.T) {
		e := newEnv(t)
		p := hetzner.New(secret.New("not-a-token-the-project-has"), append(fastOpts(e.hosts), hetzner.WithEndpoint(e.sim.URL()))...)
		err := p.Validate(ctx, noKey(e.spec))
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
		require.Empty(t, e.sim.Knobs().Mutating())
	})
	t.Run("foreign server", func(t *testing.T) {
		e := newEnv(t)
		e.sim.AddServer(hetznertest.ServerRecord{Name: "shop-1", Type: "cx23", Location: "fsn1", Image: "ubuntu-24.04", Labels: map[string]string{"team": "other"}})
		err := e.fresh().Validate(ctx, noKey(e.spec))
		var ce *hetzner.ConflictError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, "server", ce.Kind)
		require.ErrorIs(t, err, ensure.ErrConflict)
		require.Empty(t, e.sim.Knobs().Mutating())
	})
	t.Run("foreign firewall", func(t *testing.T) {
		e := newEnv(t)
		e.sim.AddFirewall(hetznertest.FirewallRecord{Name: "shop-1"})
		err := e.fresh().Validate(ctx, noKey(e.spec))
		var ce *hetzner.ConflictError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, "firewall", ce.Kind)
		require.Empty(t, e.sim.Knobs().Mutating())
	})
}

// The login key isn't known to the preflight: a key name held by another
// key is still found by the Ensure that uses the primed read.
func TestValidatePrimedStillChecksTheKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	otherPub, _ := loginKey(t)
	_, err := e.sim.AddSSHKey(hetznertest.SSHKeyRecord{Name: "shop", PublicKey: string(ssh.MarshalAuthorizedKey(otherPub))})
	require.NoError(t, err)
	p := e.fresh()
	require.NoError(t, p.Validate(ctx, noKey(e.spec)))
	_, _, err = p.Ensure(ctx, e.spec)
	var ce *hetzner.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "ssh key", ce.Kind)
	require.True(t, errors.Is(err, ensure.ErrConflict))
	require.Empty(t, e.sim.Knobs().Mutating())
}

// Plan reads for itself and leaves the primed read to the Ensure it was
// made for: no preflight comes before a plan, so a primed read there would
// be the leftover of one that failed elsewhere.
func TestPlanDoesNotTakeThePrimedRead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	p := e.fresh()
	require.NoError(t, p.Validate(ctx, noKey(e.spec)))
	m := e.sim.Knobs().Mark()
	_, err = p.Plan(ctx, e.spec)
	require.NoError(t, err)
	require.NotEmpty(t, e.sim.Knobs().Since(m), "Plan read for itself")
	m = e.sim.Knobs().Mark()
	_, _, err = p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Empty(t, e.sim.Knobs().Since(m), "the primed read was still there for Ensure")
}
