package bench_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage"
)

// coldProfile is the profile cold runs are measured under: the clouds'
// timings divided by 30, so a server create plus boot of a minute takes two
// seconds.
func coldProfile() sandbox.Profile { return sandbox.Scaled(30) }

// warmProfile is the profile warm runs are measured under: request
// latencies at half their real size, so that a request costs clearly more
// than the recipe's own work, and no waits (a warm run waits for nothing).
func warmProfile() sandbox.Profile {
	p := sandbox.Scaled(2)
	p.Name = "warm-2"
	p.Action, p.Boot, p.Propagation = 10*time.Millisecond, 0, 0
	return p
}

// world is a sandbox and the recipe the sandbox wires by default (key,
// Hetzner server that is also the builder, bucket, A record, registry,
// file secrets), with the SSH and DNS dials counted.
type world struct {
	sb       *sandbox.Sandbox
	sshDials atomic.Int64 // the server step's SSH attempts
	dnsDials atomic.Int64 // queries sent by DNS verification
	dnsLast  atomic.Int64 // when the last of them was sent, in Unix ns
}

func newWorld(b *testing.B, p sandbox.Profile) *world {
	b.Helper()
	return &world{sb: sandbox.New(b, sandbox.Options{Profile: p})}
}

// recipe mirrors sandbox.Sandbox.Recipe, with counting dialers.
func (w *world) recipe(opts ...assemble.Option) *assemble.Recipe {
	sb := w.sb
	sshDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		w.sshDials.Add(1)
		return sb.Dial(ctx, network, addr)
	}
	dnsDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		w.dnsDials.Add(1)
		w.dnsLast.Store(time.Now().UnixNano())
		return sb.Dial(ctx, network, addr)
	}
	opts = append([]assemble.Option{assemble.WithDialer(sb.Dial)}, opts...)
	return assemble.New("shop", opts...).
		SSHKey(sb.SSHKey()).
		Server(sb.HetznerProvider(hetzner.WithDialer(sshDial)), server.Spec{Name: "shop-1", Type: "cx33", Location: "fsn1"}).
		Storage(sb.S3Provider(), storage.BucketSpec{Name: "shop-uploads", PublicPrefixes: []string{"public/"}}).
		Domain(sb.CloudflareProvider(cloudflare.WithVerify(dns.WithDialer(dnsDial))), dns.RecordSpec{Name: "shop." + sb.Zone()}).
		Registry(sb.RegistrySpec("shop")).
		Secrets(sb.SecretsStore()).
		Builder(builder.Spec{Install: builder.AtBoot(), KnownHostsPath: sb.KnownHosts()})
}

// vendors names the simulators in the order metrics are reported.
var vendors = []string{"hetzner", "cloudflare", "s3", "registry"}

func (w *world) knobs(vendor string) *sim.Knobs {
	switch vendor {
	case "hetzner":
		return w.sb.Hetzner.Knobs()
	case "cloudflare":
		return w.sb.Cloudflare.Knobs()
	case "s3":
		return w.sb.S3.Knobs()
	}
	return w.sb.Registry.Knobs()
}

// marks remembers a position in every simulator's request log.
type marks map[string]int

func (w *world) mark() marks {
	m := marks{}
	for _, v := range vendors {
		m[v] = w.knobs(v).Mark()
	}
	return m
}

// since returns each simulator's requests after m.
func (w *world) since(m marks) map[string][]sim.Request {
	out := map[string][]sim.Request{}
	for _, v := range vendors {
		out[v] = w.knobs(v).Since(m[v])
	}
	return out
}

// isRecordWrite reports whether r is Cloudflare's create or update of a DNS
// record: the moment DNS propagation starts.
func isRecordWrite(r sim.Request) bool {
	return r.Mutating() && strings.Contains(r.Path, "/dns_records")
}

// isWaitPoll reports whether r is a Hetzner request that polls a wait: an
// action or the server's status.
func isWaitPoll(r sim.Request) bool {
	return r.Method == "GET" && (strings.HasPrefix(r.Path, "/v1/actions") || strings.HasPrefix(r.Path, "/v1/servers/"))
}

// run converges the recipe and fails the benchmark on error.
func run(b *testing.B, r *assemble.Recipe) *assemble.Outputs {
	b.Helper()
	out, err := r.Ensure(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// requireUnchanged fails unless every step of out did nothing.
func requireUnchanged(b *testing.B, out *assemble.Outputs) {
	b.Helper()
	for _, s := range out.Steps() {
		if s.Op != ensure.Unchanged {
			b.Fatalf("warm run: step %s %s", s.Step, s.Op)
		}
	}
}

// criticalPath is the longest chain of waits no design can avoid under p:
//
//   - the server: one round of reads, the key and the firewall created
//     together, the server created (three Hetzner requests), its create
//     action, its boot until SSH answers, and one round of builder checks
//     over SSH (Docker and the prune job come with cloud-init);
//   - the A record: the same three Hetzner requests until the address is
//     known, a Cloudflare read and write, and propagation;
//   - the bucket and the registry: a read and a write each.
func criticalPath(p sandbox.Profile) time.Duration {
	addr := 3 * p.Hetzner
	return max(
		addr+p.Action+p.Boot+p.SSH,
		addr+2*p.Cloudflare+p.Propagation,
		2*p.S3,
		2*p.Registry,
	)
}

// requestLatency is the unit warm runs are measured in: the slowest
// simulator's request latency.
func requestLatency(p sandbox.Profile) time.Duration {
	return max(p.Hetzner, p.Cloudflare, p.S3, p.Registry)
}
