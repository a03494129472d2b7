package hetzner_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
)

func TestFirewallDriftIsRepaired(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	fw := e.sim.Firewalls()[0]
	port := "8080"
	require.True(t, e.sim.SetFirewallRules(fw.ID, []hetznertest.FirewallRule{
		{Direction: "in", Protocol: "tcp", Port: &port, SourceIPs: []string{"0.0.0.0/0"}, DestinationIPs: []string{}},
		fw.Rules[0],
	}))

	plan, err := e.p.Plan(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, plan.Mutating(), 1)
	require.Equal(t, "firewall", plan.Mutating()[0].Kind)
	require.Contains(t, plan.Mutating()[0].Detail, "-tcp/8080")

	k := e.sim.Knobs()
	mark := k.Mark()
	_, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	mut := sim.MutatingOf(k.Since(mark))
	require.Len(t, mut, 1, "%v", mut)
	require.Equal(t, "/v1/firewalls/"+itoa(fw.ID)+"/actions/set_rules", mut[0].Path)

	got := e.sim.Firewalls()[0].Rules
	require.Len(t, got, 3)
	for _, r := range got {
		require.NotEqual(t, "8080", *r.Port)
	}
	// converged again
	mark = k.Mark()
	_, op, err = e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(k.Since(mark)))
}

func TestFirewallRemovedFromServerIsReapplied(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	fw := e.sim.Firewalls()[0]
	fw.Servers = nil
	e.sim.AddFirewall(fw) // same ID: replaces it, detached

	_, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, []int64{e.sim.Servers()[0].ID}, e.sim.Firewalls()[0].Servers)
}

func TestForeignServerWithOurNameIsAConflict(t *testing.T) {
	e := newEnv(t)
	foreign := e.sim.AddServer(hetznertest.ServerRecord{Name: "shop-1", Labels: map[string]string{"team": "other"}})
	k := e.sim.Knobs()
	for _, call := range []func() error{
		func() error { _, _, err := e.p.Ensure(context.Background(), e.spec); return err },
		func() error { _, err := e.p.Plan(context.Background(), e.spec); return err },
	} {
		err := call()
		require.ErrorIs(t, err, ensure.ErrConflict)
		var ce *hetzner.ConflictError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, "server", ce.Kind)
	}
	require.Zero(t, k.Mutating(), "%v", k.Requests())
	require.Equal(t, []hetznertest.ServerRecord{foreign}, e.sim.Servers())
	require.Empty(t, e.sim.Firewalls())
	require.Empty(t, e.sim.SSHKeys())

	// Destroy doesn't touch it either.
	cs, err := e.p.Destroy(context.Background(), e.spec)
	require.NoError(t, err)
	require.Empty(t, cs.Mutating())
	require.Zero(t, k.Mutating())
	require.Len(t, e.sim.Servers(), 1)
}

func TestForeignFirewallWithOurNameIsAConflict(t *testing.T) {
	e := newEnv(t)
	e.sim.AddFirewall(hetznertest.FirewallRecord{Name: "shop-1"})
	_, _, err := e.p.Ensure(context.Background(), e.spec)
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Zero(t, e.sim.Knobs().Mutating())
}

func TestCreateCommittedResponseDropped(t *testing.T) {
	for _, path := range []string{"/v1/servers", "/v1/firewalls", "/v1/ssh_keys"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			k := e.sim.Knobs()
			k.Inject(sim.Fault{Kind: sim.DropAfterCommit, Method: "POST", Path: path})
			srv, op, err := e.p.Ensure(context.Background(), e.spec)
			require.NoError(t, err)
			require.Equal(t, ensure.Created, op)
			require.NotNil(t, srv.HostKey)
			require.Len(t, e.sim.Servers(), 1)
			require.Len(t, e.sim.Firewalls(), 1)
			require.Len(t, e.sim.SSHKeys(), 1)
			require.Equal(t, 1, k.Count("POST", path), "the create must not be sent twice")
			require.Zero(t, k.PendingFaults())
		})
	}
}

func TestCreateFailsBeforeCommitIsRetried(t *testing.T) {
	e := newEnv(t)
	k := e.sim.Knobs()
	k.Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/v1/servers", Status: 503})
	k.Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "GET", Path: "/v1/locations", Status: 502})
	_, op, err := e.p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Len(t, e.sim.Servers(), 1)
	require.Equal(t, 2, k.Count("POST", "/v1/servers"))
}

func TestCreateSlowAfterCommitClientTimeout(t *testing.T) {
	e := newEnv(t)
	p := hetzner.New(secret.New(e.sim.Token()), append(fastOpts(e.hosts), hetzner.WithEndpoint(e.sim.URL()),
		hetzner.WithHTTPClient(&http.Client{Timeout: 300 * time.Millisecond}))...)
	k := e.sim.Knobs()
	k.Inject(sim.Fault{Kind: sim.SlowAfterCommit, Method: "POST", Path: "/v1/servers", Delay: 2 * time.Second})
	_, _, err := p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	require.Len(t, e.sim.Servers(), 1)
	require.Equal(t, 1, k.Count("POST", "/v1/servers"))
}

func TestCancelDuringActionWaitThenNextRunFinishes(t *testing.T) {
	e := newEnv(t)
	e.sim.SetActionDuration(500 * time.Millisecond) // boots slowly
	ctx, cancel := context.WithCancel(context.Background())
	var reports []string
	ctx = ensure.WithReporter(ctx, func(m string) {
		reports = append(reports, m)
		cancel() // the user hits ^C while we wait for the create action
	})
	_, op, err := e.p.Ensure(ctx, e.spec)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, ensure.Created, op)
	require.Len(t, e.sim.Servers(), 1)
	require.Equal(t, "initializing", e.sim.Servers()[0].Status)
	require.Contains(t, reports[0], `waiting for server "shop-1" to be created`)

	// The next run finds the booting server, waits for it and for SSH.
	k := e.sim.Knobs()
	mark := k.Mark()
	reports = nil
	ctx = ensure.WithReporter(context.Background(), func(m string) { reports = append(reports, m) })
	srv, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.NotNil(t, srv.HostKey)
	require.Equal(t, "running", e.sim.Servers()[0].Status)
	require.Len(t, e.sim.Servers(), 1)
	require.Empty(t, sim.MutatingOf(k.Since(mark)))
	require.NotEmpty(t, reports)
	require.Contains(t, reports[0], `waiting for server "shop-1" to run: initializing`)
}

func TestKilledBeforeSSHVerifiedNextRunVerifies(t *testing.T) {
	e := newEnv(t)
	p := hetzner.New(secret.New(e.sim.Token()), append(fastOpts(e.hosts), hetzner.WithEndpoint(e.sim.URL()), hetzner.WithoutSSHWait())...)
	srv, op, err := p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Nil(t, srv.HostKey)
	// A new process, no local state: the label pins the key.
	srv, op, err = e.p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, srv.HostKeyFingerprint, sshFingerprint(srv.HostKey))
}

func TestSSHWaitRefusesDifferentHostKey(t *testing.T) {
	e := newEnv(t)
	_, impostor := loginKey(t)
	e.hosts.override["127.0.1.1:22"] = impostor
	_, _, err := e.p.Ensure(context.Background(), e.spec)
	require.ErrorIs(t, err, server.ErrHostKeyMismatch)
	require.ErrorIs(t, err, ensure.ErrConflict)
	var mm *server.HostKeyMismatchError
	require.ErrorAs(t, err, &mm)
	require.Equal(t, sshFingerprint(impostor.PublicKey()), mm.Got)
	require.Equal(t, 1, e.hosts.dials, "a wrong host key must fail at once, not be retried")
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	e := newEnv(t)
	k := e.sim.Knobs()
	k.Inject(sim.Fault{Kind: sim.RateLimit, Method: "POST", Path: "/v1/servers", RetryAfter: time.Second})
	start := time.Now()
	_, _, err := e.p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), time.Second)
	require.Len(t, e.sim.Servers(), 1)
	require.Equal(t, 2, k.Count("POST", "/v1/servers"))
}

func TestRateLimitBudgetFromSimulator(t *testing.T) {
	// A budget of 5 requests refilling every 100ms: the run needs more, so
	// it must wait as RateLimit-Reset says and still converge.
	e := newEnv(t, hetznertest.WithRateLimit(5, 100*time.Millisecond))
	_, _, err := e.p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	n429 := 0
	for _, r := range e.sim.Knobs().Requests() {
		if r.Status == 429 {
			n429++
		}
	}
	require.Positive(t, n429)
	require.Len(t, e.sim.Servers(), 1)
	require.Equal(t, 1, e.sim.Knobs().Count("POST", "/v1/servers")-n429post(e))
}

func n429post(e *env) int {
	n := 0
	for _, r := range e.sim.Knobs().Requests() {
		if r.Method == "POST" && r.Path == "/v1/servers" && r.Status == 429 {
			n++
		}
	}
	return n
}

func TestBadInputsFailBeforeAnyMutation(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(*server.Spec)
		token string
		field string
		is    error
	}{
		{name: "token", token: "wrong", is: ensure.ErrUnauthorized},
		{name: "empty token", token: "-", field: "hetzner.token", is: ensure.ErrInvalidSpec},
		{name: "type", mod: func(s *server.Spec) { s.Type = "cx99" }, field: "server.type", is: ensure.ErrInvalidSpec},
		{name: "location", mod: func(s *server.Spec) { s.Location = "mars1" }, field: "server.location", is: ensure.ErrInvalidSpec},
		{name: "image", mod: func(s *server.Spec) { s.Image = "windows-11" }, field: "server.image", is: ensure.ErrInvalidSpec},
		{name: "deprecated type", mod: func(s *server.Spec) {
			s.Type, s.Location = hetznertest.DeprecatedType, hetznertest.DeprecatedLocation
		}, field: "server.type", is: ensure.ErrInvalidSpec},
		{name: "type not in location", mod: func(s *server.Spec) { s.Type, s.Location = "cax11", "ash" }, field: "server.type", is: ensure.ErrInvalidSpec},
		{name: "name", mod: func(s *server.Spec) { s.Name = "Shop_1" }, field: "server.name", is: ensure.ErrInvalidSpec},
		{name: "firewall without ssh", mod: func(s *server.Spec) { s.Firewall = []server.Rule{{Protocol: "tcp", Port: "443"}} }, field: "server.firewall", is: ensure.ErrInvalidSpec},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.p
			if c.token != "" {
				tok := c.token
				if tok == "-" {
					tok = ""
				}
				p = hetzner.New(secret.New(tok), append(fastOpts(e.hosts), hetzner.WithEndpoint(e.sim.URL()))...)
			}
			spec := e.spec
			if c.mod != nil {
				c.mod(&spec)
			}
			_, _, err := p.Ensure(context.Background(), spec)
			require.ErrorIs(t, err, c.is)
			if c.field != "" {
				var ie *ensure.InvalidError
				require.ErrorAs(t, err, &ie)
				require.Equal(t, c.field, ie.Field)
				if c.name != "name" && c.name != "firewall without ssh" && c.name != "empty token" {
					require.Contains(t, ie.Fix, "one of", "the fix lists the valid choices")
				}
			}
			if c.token == "wrong" {
				var he *hetzner.Error
				require.ErrorAs(t, err, &he)
				require.Equal(t, "unauthorized", he.Code)
				require.NotContains(t, err.Error(), "wrong")
			}
			require.Zero(t, e.sim.Knobs().Mutating())
			require.Empty(t, e.sim.Servers())
			_, err = p.Plan(context.Background(), spec)
			require.ErrorIs(t, err, c.is)
		})
	}
}

func TestReplaceRequired(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	spec := e.spec
	spec.Type = "cx33"
	plan, err := e.p.Plan(ctx, spec)
	require.NoError(t, err)
	last := plan[len(plan)-1]
	require.True(t, last.Replace)
	require.Contains(t, last.Detail, "type: cx23 → cx33")
	mark := e.sim.Knobs().Mark()
	_, _, err = e.p.Ensure(ctx, spec)
	require.ErrorIs(t, err, ensure.ErrReplaceRequired)
	require.Empty(t, sim.MutatingOf(e.sim.Knobs().Since(mark)))
	require.Equal(t, "cx23", e.sim.Servers()[0].Type)
}

func TestExistingKeyUnderOtherNameIsUsedAndKept(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rec, err := e.sim.AddSSHKey(hetznertest.SSHKeyRecord{Name: "alice@laptop", PublicKey: authorizedKey(e.spec.SSHKey)})
	require.NoError(t, err)
	_, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Len(t, e.sim.SSHKeys(), 1, "the key must not be uploaded twice")
	require.Equal(t, []int64{rec.ID}, e.sim.Servers()[0].SSHKeys)
	cs, err := e.p.Destroy(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, cs.Mutating(), 2) // server, firewall
	require.Equal(t, []hetznertest.SSHKeyRecord{rec}, e.sim.SSHKeys())
}

func TestSSHKeyNameTakenByAnotherKey(t *testing.T) {
	e := newEnv(t)
	other, _ := loginKey(t)
	_, err := e.sim.AddSSHKey(hetznertest.SSHKeyRecord{Name: "shop", PublicKey: authorizedKey(other)})
	require.NoError(t, err)
	_, _, err = e.p.Ensure(context.Background(), e.spec)
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Zero(t, e.sim.Knobs().Mutating())
}

func TestDestroyRemovesOnlyOurs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other, _ := loginKey(t)
	theirKey, err := e.sim.AddSSHKey(hetznertest.SSHKeyRecord{Name: "theirs", PublicKey: authorizedKey(other), Labels: map[string]string{server.OwnerLabel: "blog"}})
	require.NoError(t, err)
	theirFW := e.sim.AddFirewall(hetznertest.FirewallRecord{Name: "blog-1", Labels: map[string]string{server.OwnerLabel: "blog"}})
	theirSrv := e.sim.AddServer(hetznertest.ServerRecord{Name: "blog-1", Labels: map[string]string{server.OwnerLabel: "blog"}})

	_, _, err = e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, e.sim.Servers(), 2)

	k := e.sim.Knobs()
	mark := k.Mark()
	cs, err := e.p.Destroy(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, cs.Mutating(), 3, "%v", cs)
	require.Len(t, sim.MutatingOf(k.Since(mark)), 3)
	require.Equal(t, []hetznertest.ServerRecord{theirSrv}, e.sim.Servers())
	require.Equal(t, []hetznertest.FirewallRecord{theirFW}, e.sim.Firewalls())
	require.Equal(t, []hetznertest.SSHKeyRecord{theirKey}, e.sim.SSHKeys())

	// Again: nothing left to do.
	cs, err = e.p.Destroy(ctx, e.spec)
	require.NoError(t, err)
	require.Empty(t, cs.Mutating())
}

func TestDestroyFirewallStillUsedElsewhere(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	theirs := e.sim.AddServer(hetznertest.ServerRecord{Name: "blog-1"})
	fw := e.sim.Firewalls()[0]
	fw.Servers = append(fw.Servers, theirs.ID)
	e.sim.AddFirewall(fw)
	_, err = e.p.Destroy(ctx, e.spec)
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Len(t, e.sim.Firewalls(), 1)
	require.Equal(t, []int64{theirs.ID}, e.sim.Firewalls()[0].Servers)
}

func TestSecretsStayOut(t *testing.T) {
	e := newEnv(t)
	var logs captureHandler
	p := hetzner.New(secret.New("super-secret-token-123"), append(fastOpts(e.hosts), hetzner.WithEndpoint(e.sim.URL()), hetzner.WithLogger(logs.logger()))...)
	_, _, err := p.Ensure(context.Background(), e.spec)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "super-secret-token-123")
	require.NotContains(t, logs.String(), "super-secret-token-123")

	// A successful run logs no user data (it holds the host's private key).
	logs.Reset()
	p = hetzner.New(secret.New(e.sim.Token()), append(fastOpts(e.hosts), hetzner.WithEndpoint(e.sim.URL()), hetzner.WithLogger(logs.logger()))...)
	_, _, err = p.Ensure(context.Background(), e.spec)
	require.NoError(t, err)
	require.NotContains(t, logs.String(), "PRIVATE KEY")
	require.NotContains(t, logs.String(), e.sim.Token())
	require.NotEmpty(t, logs.String())
}

func TestEstimate(t *testing.T) {
	e := newEnv(t)
	pr, err := e.p.Estimate(context.Background(), e.spec)
	require.NoError(t, err)
	// cx23: 2.99 net + IPv4 0.50 net, ×1.19
	require.Equal(t, "4.1531", pr.Monthly)
	require.Equal(t, "EUR", pr.Currency)
	spec := e.spec
	spec.Type = "cx99"
	_, err = e.p.Estimate(context.Background(), spec)
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Zero(t, e.sim.Knobs().Mutating())
}

func TestPlanOnEmptyWorld(t *testing.T) {
	e := newEnv(t)
	plan, err := e.p.Plan(context.Background(), e.spec)
	require.NoError(t, err)
	require.Len(t, plan, 3)
	for _, c := range plan {
		require.Equal(t, ensure.Created, c.Op, c.String())
	}
	require.Zero(t, e.sim.Knobs().Mutating())
}

func TestBuilderAndUserInUserData(t *testing.T) {
	e := newEnv(t)
	spec := e.spec
	spec.Builder, spec.User, spec.Type = true, "deploy", "cax11"
	srv, _, err := e.p.Ensure(context.Background(), spec)
	require.NoError(t, err)
	require.Equal(t, "arm64", srv.Arch)
	require.Equal(t, "deploy", srv.User)
	ud, err := server.ParseUserData(e.sim.Servers()[0].UserData)
	require.NoError(t, err)
	require.True(t, ud.Builder)
	require.Contains(t, ud.Packages, "docker.io")
	require.Equal(t, []string{"deploy"}, ud.Users)
	require.False(t, ud.PasswordAuth)
	require.Equal(t, srv.HostKeyFingerprint, sshFingerprint(ud.HostKey.PublicKey()))
}

var _ = errors.Is

func TestTransientErrorOnIdempotentChangeIsRetried(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	fw := e.sim.Firewalls()[0]
	require.True(t, e.sim.SetFirewallRules(fw.ID, fw.Rules[:1]))
	k := e.sim.Knobs()
	k.Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/v1/firewalls/*", Status: 502})
	_, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Len(t, e.sim.Firewalls()[0].Rules, 3)

	// A delete whose response is lost is found done on the retry.
	k.Inject(sim.Fault{Kind: sim.DropAfterCommit, Method: "DELETE", Path: "/v1/ssh_keys/*"})
	cs, err := e.p.Destroy(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, cs.Mutating(), 3)
	require.Empty(t, e.sim.SSHKeys())
}
