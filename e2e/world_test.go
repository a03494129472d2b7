package e2e_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/secrets/file"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
)

// The recipe every test runs, and its timing. reqTimeout is the per-request
// limit given to every HTTP provider (each through its own knob), so that a
// response slower than it (slowDelay) is a timeout, not a long wait.
const (
	recipeName = "shop"
	actionTime = 20 * time.Millisecond
	reqTimeout = time.Second
	slowDelay  = 3 * time.Second
	runLimit   = 60 * time.Second
)

// The neighbours every world is seeded with: someone else's server,
// firewall, SSH key, DNS record and bucket, which no run may touch.
const (
	neighbourServer   = "neighbour-1"
	neighbourFirewall = "neighbour-fw"
	neighbourKey      = "neighbour-key"
	neighbourRecord   = "neighbour"
	neighbourBucket   = "neighbour-data"
)

// world is a fresh sandbox with foreign neighbours seeded.
type world struct {
	t  testing.TB
	sb *sandbox.Sandbox
	// foreign is the neighbours' state right after seeding.
	foreign string
	logger  *slog.Logger
}

type worldOption func(*sandbox.Options)

func withLogger(l *slog.Logger) worldOption { return func(o *sandbox.Options) { o.Logger = l } }

func newWorld(t testing.TB, opts ...worldOption) *world {
	t.Helper()
	o := sandbox.Options{ActionTime: actionTime}
	for _, f := range opts {
		f(&o)
	}
	w := &world{t: t, sb: sandbox.New(t, o), logger: o.Logger}
	if w.logger == nil {
		w.logger = slog.New(slog.DiscardHandler)
	}
	w.seedNeighbours()
	w.foreign = w.foreignState()
	return w
}

// seedNeighbours puts someone else's resources next to where the recipe's go.
func (w *world) seedNeighbours() {
	sb := w.sb
	other := map[string]string{server.OwnerLabel: "someone-else", "team": "data"}
	sb.Hetzner.AddServer(hetznertest.ServerRecord{Name: neighbourServer, Labels: other})
	port := "5432"
	sb.Hetzner.AddFirewall(hetznertest.FirewallRecord{Name: neighbourFirewall, Labels: other, Rules: []hetznertest.FirewallRule{
		{Direction: "in", Protocol: "tcp", Port: &port, SourceIPs: []string{"10.0.0.0/8"}},
	}})
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(w.t, err)
	sshPub, err := ssh.NewPublicKey(pub)
	require.NoError(w.t, err)
	_, err = sb.Hetzner.AddSSHKey(hetznertest.SSHKeyRecord{Name: neighbourKey, PublicKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))), Labels: other})
	require.NoError(w.t, err)
	sb.Cloudflare.AddRecord(sb.Zone(), cloudflaretest.Record{Name: neighbourRecord, Type: "A", Content: "127.0.0.200", TTL: 300, Comment: "owned by someone else"})
	sb.S3.SeedBucket(neighbourBucket)
	require.NoError(w.t, sb.S3.PutObject(neighbourBucket, "reports/2025.csv", []byte("a,b\n1,2\n")))
}

func isNeighbour(name string) bool { return strings.HasPrefix(name, "neighbour") }

// foreignState renders every neighbour as the simulators hold it.
func (w *world) foreignState() string {
	sb := w.sb
	var parts []any
	for _, s := range sb.Hetzner.Servers() {
		if isNeighbour(s.Name) {
			parts = append(parts, s)
		}
	}
	for _, f := range sb.Hetzner.Firewalls() {
		if isNeighbour(f.Name) {
			parts = append(parts, f)
		}
	}
	for _, k := range sb.Hetzner.SSHKeys() {
		if isNeighbour(k.Name) {
			parts = append(parts, k)
		}
	}
	for _, r := range sb.Cloudflare.Records(sb.Zone()) {
		if strings.HasPrefix(r.Name, neighbourRecord+".") {
			parts = append(parts, r)
		}
	}
	b, ok := sb.S3.Bucket(neighbourBucket)
	parts = append(parts, b, ok)
	obj, ok := sb.S3.Object(neighbourBucket, "reports/2025.csv")
	parts = append(parts, string(obj), ok)
	out, err := json.Marshal(parts)
	require.NoError(w.t, err)
	return string(out)
}

// requireNeighboursUntouched fails unless every neighbour is byte-identical
// to how it was seeded.
func (w *world) requireNeighboursUntouched(t testing.TB) {
	t.Helper()
	require.Equal(t, w.foreign, w.foreignState(), "a neighbour that isn't the recipe's was touched")
}

// recipe is the sandbox's full recipe (key → server → dns + builder;
// storage, registry, secrets from the start), assembled from the sandbox's
// providers with a per-request timeout on each and quick retries.
func (w *world) recipe(name string, opts ...assemble.Option) *assemble.Recipe {
	sb := w.sb
	opts = append([]assemble.Option{assemble.WithLogger(w.logger), assemble.WithDialer(sb.Dial)}, opts...)
	return assemble.New(name, opts...).
		SSHKey(sb.SSHKey()).
		Server(sb.HetznerProvider(
			hetzner.WithHTTPClient(&http.Client{Transport: timeoutTransport()}),
			hetzner.WithRetry(5, 20*time.Millisecond),
		), server.Spec{Name: name + "-1", Type: "cx33", Location: "fsn1"}).
		Storage(sb.S3Provider(s3.WithTransport(timeoutTransport())),
			storage.BucketSpec{Name: name + "-uploads", PublicPrefixes: []string{"public/"}}).
		Domain(sb.CloudflareProvider(cloudflare.WithRequestTimeout(reqTimeout)), dns.RecordSpec{Name: name + "." + sb.Zone()}).
		Registry(sb.RegistrySpec(name), registry.WithTimeout(reqTimeout), registry.WithRetry(3, 20*time.Millisecond), registry.WithLogger(w.logger)).
		Secrets(file.New(sb.AppDir(), file.WithLogger(w.logger))).
		Builder(builder.Spec{Install: builder.AtBoot(), KnownHostsPath: sb.KnownHosts()}, builder.WithCommandTimeout(10*time.Second), builder.WithLogger(w.logger))
}

// timeoutTransport is a fresh transport whose every round trip gives up
// when the response headers take longer than reqTimeout.
func timeoutTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = reqTimeout
	return tr
}

func runCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	t.Cleanup(cancel)
	return ctx
}

// ours returns the recipe's share of the world (everything that isn't a
// neighbour), rendered without IDs, addresses or generated keys, so two
// converged worlds render the same.
type summary struct {
	Servers   []string
	Firewalls []string
	SSHKeys   []string
	Buckets   []string
	Records   []string
	Cron      []string
	Uploads   int
}

func (w *world) summary() summary {
	sb := w.sb
	var s summary
	var ips []string
	for _, r := range sb.Hetzner.Servers() {
		if isNeighbour(r.Name) {
			continue
		}
		labels := []string{}
		for k, v := range r.Labels {
			if k == server.HostKeyLabel {
				v = "…"
			}
			labels = append(labels, k+"="+v)
		}
		sort.Strings(labels)
		s.Servers = append(s.Servers, fmt.Sprintf("%s %s %s %s %v", r.Name, r.Status, r.Type, r.Location, labels))
		ips = append(ips, r.IPv4.String())
		if h := sb.Host(r.IPv4); h != nil {
			for name, content := range h.CronFiles() {
				s.Cron = append(s.Cron, r.Name+":"+name+":"+fmt.Sprint(len(content)))
			}
		}
	}
	for _, f := range sb.Hetzner.Firewalls() {
		if !isNeighbour(f.Name) {
			s.Firewalls = append(s.Firewalls, fmt.Sprintf("%s rules=%d servers=%d %v", f.Name, len(f.Rules), len(f.Servers), f.Labels))
		}
	}
	for _, k := range sb.Hetzner.SSHKeys() {
		if !isNeighbour(k.Name) {
			s.SSHKeys = append(s.SSHKeys, fmt.Sprintf("%s %v", k.Name, k.Labels))
		}
	}
	for _, b := range sb.S3.Buckets() {
		if !isNeighbour(b.Name) {
			s.Buckets = append(s.Buckets, fmt.Sprintf("%s keys=%v policy=%t versions=%d", b.Name, b.Keys, b.Policy != "", b.Versions))
		}
	}
	for _, r := range sb.Cloudflare.Records(sb.Zone()) {
		if strings.HasPrefix(r.Name, neighbourRecord+".") {
			continue
		}
		pointsAtServer := len(ips) == 1 && r.Content == ips[0]
		s.Records = append(s.Records, fmt.Sprintf("%s %s ttl=%d proxied=%t comment=%q at-server=%t", r.Name, r.Type, r.TTL, r.Proxied, r.Comment, pointsAtServer))
	}
	s.Uploads = sb.Registry.OpenUploads()
	sort.Strings(s.Servers)
	sort.Strings(s.Cron)
	return s
}

// empty reports whether none of the recipe's resources are left.
func (s summary) empty() bool {
	return len(s.Servers)+len(s.Firewalls)+len(s.SSHKeys)+len(s.Buckets)+len(s.Records)+len(s.Cron) == 0
}

// requireConverged fails unless the world is exactly the converged world:
// one server, one firewall, one SSH key, one bucket, one DNS record pointing
// at the server, the prune job on the host, no open uploads, neighbours
// untouched.
func (w *world) requireConverged(t testing.TB, want summary) {
	t.Helper()
	got := w.summary()
	require.Len(t, got.Servers, 1, "servers: %v", got.Servers)
	require.Len(t, got.Firewalls, 1, "firewalls: %v", got.Firewalls)
	require.Len(t, got.SSHKeys, 1, "ssh keys: %v", got.SSHKeys)
	require.Len(t, got.Buckets, 1, "buckets: %v", got.Buckets)
	require.Len(t, got.Records, 1, "records: %v", got.Records)
	require.Len(t, got.Cron, 1, "cron files: %v", got.Cron)
	require.Equal(t, want, got, "the world differs from the converged world of a clean run")
	w.requireNeighboursUntouched(t)
}

// marks remembers a position in every request log and host command log.
type marks struct {
	hetzner, cloudflare, s3, registry int
	hosts                             map[string]int
}

func (w *world) mark() marks {
	sb := w.sb
	m := marks{sb.Hetzner.Knobs().Mark(), sb.Cloudflare.Knobs().Mark(), sb.S3.Knobs().Mark(), sb.Registry.Knobs().Mark(), map[string]int{}}
	for _, r := range sb.Hetzner.Servers() {
		if h := sb.Host(r.IPv4); h != nil {
			m.hosts[r.IPv4.String()] = h.Mark()
		}
	}
	return m
}

// simLogs are the four simulators by name, in a fixed order.
func (w *world) simLogs() []struct {
	name  string
	knobs *sim.Knobs
} {
	sb := w.sb
	return []struct {
		name  string
		knobs *sim.Knobs
	}{{"hetzner", sb.Hetzner.Knobs()}, {"cloudflare", sb.Cloudflare.Knobs()}, {"s3", sb.S3.Knobs()}, {"registry", sb.Registry.Knobs()}}
}

// changes returns every mutating request since m and every changing command
// any host received. The registry gets none: the sandbox's tokens say what
// they grant, so no upload is started to prove push permission.
func (w *world) changes(m marks) []string {
	var out []string
	from := map[string]int{"hetzner": m.hetzner, "cloudflare": m.cloudflare, "s3": m.s3, "registry": m.registry}
	for _, s := range w.simLogs() {
		for _, r := range sim.MutatingOf(s.knobs.Since(from[s.name])) {
			out = append(out, s.name+": "+r.String())
		}
	}
	for _, r := range w.sb.Hetzner.Servers() {
		h := w.sb.Host(r.IPv4)
		if h == nil {
			continue
		}
		for _, c := range h.Since(m.hosts[r.IPv4.String()]) {
			if c.Mutating {
				out = append(out, "host "+r.Name+": "+c.Cmd)
			}
		}
	}
	return out
}

// requireQuietRun runs Ensure on a converged world and fails unless every
// step is unchanged and nothing at all was changed.
func (w *world) requireQuietRun(t testing.TB, r *assemble.Recipe) {
	t.Helper()
	m := w.mark()
	out, err := r.Ensure(runCtx(t))
	require.NoError(t, err)
	for _, s := range out.Steps() {
		require.Equal(t, ensure.Unchanged, s.Op, "step %s", s.Step)
	}
	require.Empty(t, w.changes(m), "an Ensure on a converged world changed things")
}

// requireDestroyed runs Destroy and fails unless nothing of the recipe's is
// left and the neighbours are untouched.
func (w *world) requireDestroyed(t testing.TB, r *assemble.Recipe) {
	t.Helper()
	_, err := r.Destroy(runCtx(t))
	require.NoError(t, err)
	got := w.summary()
	require.True(t, got.empty(), "left after Destroy: %+v", got)
	w.requireNeighboursUntouched(t)
}
