package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/kamal"
	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage"
)

// marks remembers a position in every simulator's request log.
type marks struct{ hetzner, cloudflare, s3, registry int }

func mark(sb *sandbox.Sandbox) marks {
	return marks{sb.Hetzner.Knobs().Mark(), sb.Cloudflare.Knobs().Mark(), sb.S3.Knobs().Mark(), sb.Registry.Knobs().Mark()}
}

// mutating returns the mutating requests since m, per simulator. The
// registry gets none either: the sandbox's tokens say what they grant, so
// no upload is started to prove push permission.
func mutating(sb *sandbox.Sandbox, m marks) map[string][]sim.Request {
	return map[string][]sim.Request{
		"hetzner":    sim.MutatingOf(sb.Hetzner.Knobs().Since(m.hetzner)),
		"cloudflare": sim.MutatingOf(sb.Cloudflare.Knobs().Since(m.cloudflare)),
		"s3":         sim.MutatingOf(sb.S3.Knobs().Since(m.s3)),
		"registry":   sim.MutatingOf(sb.Registry.Knobs().Since(m.registry)),
	}
}

func requireNoMutation(t *testing.T, sb *sandbox.Sandbox, m marks) {
	t.Helper()
	for name, rs := range mutating(sb, m) {
		require.Empty(t, rs, "%s got mutating requests", name)
	}
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	sb := sandbox.New(t)
	r := sb.Recipe("shop")

	// Cold run: everything made.
	out, err := r.Ensure(ctx)
	require.NoError(t, err)
	for _, step := range []string{assemble.StepSSHKey, assemble.StepServer, assemble.StepStorage, assemble.StepDNS, assemble.StepSecrets, assemble.StepBuilder} {
		require.Equal(t, ensure.Created, out.Op(step), step)
	}
	require.Equal(t, ensure.Unchanged, out.Op(assemble.StepRegistry), "the registry is checked, never changed")
	require.Len(t, sb.Hetzner.Servers(), 1)
	require.Len(t, sb.Hetzner.Firewalls(), 1)
	require.Len(t, sb.Hetzner.SSHKeys(), 1)
	require.Len(t, sb.S3.Buckets(), 1)
	require.Len(t, sb.Cloudflare.Records(sb.Zone()), 1)
	host := sb.Host(out.Server.IPv4)
	require.NotNil(t, host)
	require.Len(t, host.CronFiles(), 1)

	op, err := kamal.Write(sb.AppDir(), out, kamal.App{})
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	deploy, err := os.ReadFile(filepath.Join(sb.AppDir(), "config", "deploy.yml"))
	require.NoError(t, err)
	require.NoError(t, kamal.Validate(deploy))
	for _, want := range []string{"service: shop", "host: shop.example.com", "- " + out.Server.IPv4.String(), "remote: ssh://root@" + out.Server.IPv4.String(), "password: [KAMAL_REGISTRY_PASSWORD]"} {
		require.Contains(t, string(deploy), want)
	}

	// Warm run: nothing changes anywhere.
	m := mark(sb)
	hostMark := host.Mark()
	out, err = r.Ensure(ctx)
	require.NoError(t, err)
	for _, s := range out.Steps() {
		require.Equal(t, ensure.Unchanged, s.Op, s.Step)
	}
	requireNoMutation(t, sb, m)
	for _, c := range host.Since(hostMark) {
		require.False(t, c.Mutating, "host got a changing command: %s", c.Cmd)
	}
	op, err = kamal.Write(sb.AppDir(), out, kamal.App{})
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)

	// A plan on the converged world is empty, and reads only.
	m = mark(sb)
	plan, err := r.Plan(ctx)
	require.NoError(t, err)
	require.Empty(t, plan.Mutating(), "plan on a converged world: %v", plan)
	requireNoMutation(t, sb, m)

	// Someone edits the firewall by hand: the plan shows exactly that.
	fw := sb.Hetzner.Firewalls()[0]
	port := "8080"
	rules := append(fw.Rules, hetznertest.FirewallRule{Direction: "in", Protocol: "tcp", Port: &port, SourceIPs: []string{"0.0.0.0/0"}})
	require.True(t, sb.Hetzner.SetFirewallRules(fw.ID, rules))
	m = mark(sb)
	plan, err = r.Plan(ctx)
	require.NoError(t, err)
	requireNoMutation(t, sb, m)
	drift := plan.Mutating()
	require.Len(t, drift, 1, "plan: %v", plan)
	require.Equal(t, "firewall", drift[0].Kind)
	require.Contains(t, drift[0].Detail, "8080")

	// Ensure puts it back.
	out, err = r.Ensure(ctx)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, out.Op(assemble.StepServer))
	require.Len(t, sb.Hetzner.Firewalls()[0].Rules, len(fw.Rules))

	// Destroy leaves nothing of the recipe's.
	removed, err := r.Destroy(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, removed)
	require.Empty(t, sb.Hetzner.Servers())
	require.Empty(t, sb.Hetzner.Firewalls())
	require.Empty(t, sb.Hetzner.SSHKeys())
	require.Empty(t, sb.S3.Buckets())
	require.Empty(t, sb.Cloudflare.Records(sb.Zone()))

	// And a second Destroy has nothing left to do.
	m = mark(sb)
	removed, err = r.Destroy(ctx)
	require.NoError(t, err)
	require.Empty(t, removed.Mutating())
	requireNoMutation(t, sb, m)
}

func TestSandboxPersistsBetweenRuns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: dir})
	require.NoError(t, err)
	_, err = sb.Recipe("shop").Ensure(ctx)
	require.NoError(t, err)
	require.NoError(t, sb.Close())

	sb2, err := sandbox.Start(ctx, sandbox.Options{Dir: dir})
	require.NoError(t, err)
	defer sb2.Close()
	m := mark(sb2)
	out, err := sb2.Recipe("shop").Ensure(ctx)
	require.NoError(t, err)
	for _, s := range out.Steps() {
		require.Equal(t, ensure.Unchanged, s.Op, s.Step)
	}
	requireNoMutation(t, sb2, m)
}

func TestDialRefusesNonLoopback(t *testing.T) {
	sb := sandbox.New(t)
	for _, addr := range []string{"203.0.113.7:22", "10.0.0.1:443", "example.com:80"} {
		_, err := sb.Dial(context.Background(), "tcp", addr)
		require.ErrorContains(t, err, "not a loopback address", addr)
	}
}

func TestEstimate(t *testing.T) {
	sb := sandbox.New(t)
	r := sb.Recipe("shop").
		Cost("domain shop.example.com", 1.25, "EUR", "registrar invoice").
		Cost("1Password Teams, 3 seats", 59.85, "USD", "1password.com/pricing").
		StorageUsage(2, 1.5)
	m := mark(sb)
	est, err := r.Estimate(context.Background())
	require.NoError(t, err)
	requireNoMutation(t, sb, m)
	require.Len(t, est.Lines, 4)

	srv := est.Lines[0]
	require.Equal(t, `server "shop-1" (cx33, fsn1)`, srv.Item)
	require.Equal(t, "EUR", srv.Currency)
	require.InDelta(t, 6.5331, srv.Monthly, 0.00001, "the simulator's /pricing for cx33 in fsn1, IPv4 included")
	require.Contains(t, srv.Source, "/pricing")

	bucket := est.Lines[1]
	require.Equal(t, `bucket "shop-uploads"`, bucket.Item)
	// Hetzner Object Storage: base price with 1 TB stored and 1 TB egress
	// included, then per TB: 1 more TB stored, 0.5 TB more egress.
	require.InDelta(t, 4.99+4.99*1+1.00*0.5, bucket.Monthly, 0.00001)
	require.Contains(t, bucket.Note, "for 2 TB stored, 1.5 TB egress")

	require.Equal(t, "declared: registrar invoice", est.Lines[2].Source)
	require.InDelta(t, 6.5331+bucket.Monthly+1.25, est.Totals["EUR"], 0.00001)
	require.InDelta(t, 59.85, est.Totals["USD"], 0.00001)
	require.Contains(t, est.String(), "total")
}

// Everything knowable is checked before the first change: a server type too
// small for the builder, or a bad DNS name, stops the run with nothing made.
func TestPreflightBeforeAnyChange(t *testing.T) {
	sb := sandbox.New(t)
	ctx := context.Background()

	m := mark(sb)
	_, err := sb.RecipeOn("shop", sb.HetznerProvider(), server.Spec{Name: "shop-1", Type: "cx23", Location: "fsn1"}).Ensure(ctx)
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.ErrorContains(t, err, `invalid server.type "cx23": has 4 GB of memory`)
	require.ErrorContains(t, err, "cx33")
	require.NotContains(t, err.Error(), "cax", "types of another architecture suggested")
	requireNoMutation(t, sb, m)
	require.Empty(t, sb.S3.Buckets(), "the bucket was made before the server type was refused")

	m = mark(sb)
	r := assemble.New("shop", assemble.WithDialer(sb.Dial)).
		SSHKey(sb.SSHKey()).
		Server(sb.HetznerProvider(), server.Spec{Name: "shop-1", Type: "cx33", Location: "fsn1"}).
		Storage(sb.S3Provider(), storage.BucketSpec{Name: "shop-uploads"}).
		Domain(sb.CloudflareProvider(), dns.RecordSpec{Name: "shop..example.com"})
	_, err = r.Ensure(ctx)
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.ErrorContains(t, err, "dns.name")
	requireNoMutation(t, sb, m)
	require.Empty(t, sb.Hetzner.Servers())
}
