package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
)

// Profile is how slow the sandbox's simulated clouds are: a latency added to
// every request of each simulator, and the waits a real provisioning run
// sits through (a Hetzner action, the boot until SSH answers, DNS
// propagation). The zero Profile adds no latency: actions take
// Options.ActionTime, SSH answers as soon as the server is created, and
// records are served at once. Benchmarks use a profile scaled so a whole run
// takes seconds; Scale says how many real seconds one sandbox second stands
// for.
type Profile struct {
	// Name identifies the profile in benchmark output.
	Name string
	// Scale is how many real seconds one second of this profile stands for
	// (30 means the profile runs 30 times faster than the clouds); 1 when
	// zero. It only converts measurements back to real time (polls per
	// minute of real waiting); the sandbox runs the durations as given.
	Scale float64

	// Hetzner, Cloudflare, S3 and Registry are added to every request each
	// simulator answers.
	Hetzner, Cloudflare, S3, Registry time.Duration
	// SSH is added to every command a simulated host runs.
	SSH time.Duration

	// Action is how long a Hetzner action (server create, firewall apply)
	// runs; when zero, Options.ActionTime applies.
	Action time.Duration
	// Boot is how long after its create action finishes a new server's SSH
	// starts answering (Ubuntu boots and cloud-init runs). Until then its
	// SSH port refuses connections. Servers loaded from Dir are already up.
	Boot time.Duration
	// Propagation is how long a DNS change takes to reach the zone's
	// authoritative nameservers.
	Propagation time.Duration
}

// Scaled returns a profile with Hetzner's, Cloudflare's, S3's and a
// registry's real timings divided by scale: requests of 120 ms (Hetzner),
// 60 ms (Cloudflare), 45 ms (S3) and 90 ms (registry), SSH commands of 45 ms,
// a 30 s server create, 30 s from running to SSH, and 3 s of DNS
// propagation. Scaled(30) runs a cold converge in about two seconds.
func Scaled(scale float64) Profile {
	if scale <= 0 {
		scale = 1
	}
	d := func(real time.Duration) time.Duration { return time.Duration(float64(real) / scale) }
	return Profile{
		Name:        fmt.Sprintf("scaled-%g", scale),
		Scale:       scale,
		Hetzner:     d(120 * time.Millisecond),
		Cloudflare:  d(60 * time.Millisecond),
		S3:          d(45 * time.Millisecond),
		Registry:    d(90 * time.Millisecond),
		SSH:         d(45 * time.Millisecond),
		Action:      d(30 * time.Second),
		Boot:        d(30 * time.Second),
		Propagation: d(3 * time.Second),
	}
}

// RealSeconds converts a duration measured in the sandbox to the real
// seconds it stands for.
func (p Profile) RealSeconds(d time.Duration) float64 {
	s := p.Scale
	if s <= 0 {
		s = 1
	}
	return d.Seconds() * s
}

// Profile returns the profile the sandbox runs with.
func (s *Sandbox) Profile() Profile { return s.profile }

// applyProfile sets the simulators' request latencies and DNS propagation.
func (s *Sandbox) applyProfile() {
	p := s.profile
	s.Hetzner.Knobs().SetLatency(p.Hetzner)
	s.Cloudflare.Knobs().SetLatency(p.Cloudflare)
	s.Cloudflare.SetPropagationDelay(p.Propagation)
	s.S3.Knobs().SetLatency(p.S3)
	s.Registry.Knobs().SetLatency(p.Registry)
}

// booted gives a host that was just attached the profile's SSH latency.
// Callers hold s.mu.
func (s *Sandbox) booted(_ string, h *buildertest.Host) {
	h.SetLatency(s.profile.SSH)
}

// bootLater is a Hetzner boot hook, registered after the saved world is
// loaded (those servers are up): the new server's SSH answers once its
// create action has run and it has booted, bootDelay from now.
func (s *Sandbox) bootLater(_ context.Context, b hetznertest.Boot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sshUp == nil {
		s.sshUp = map[string]time.Time{}
	}
	s.sshUp[b.IPv4.String()] = time.Now().Add(s.bootDelay)
	return nil
}

// refuseUntilUp returns a "connection refused" error while the server at ip
// is still booting.
func (s *Sandbox) refuseUntilUp(ip netip.Addr, addr string) error {
	s.mu.Lock()
	up, ok := s.sshUp[ip.String()]
	s.mu.Unlock()
	if !ok || !time.Now().Before(up) {
		return nil
	}
	return &net.OpError{Op: "dial", Net: "tcp", Addr: tcpAddr(addr), Err: syscall.ECONNREFUSED}
}

func tcpAddr(addr string) net.Addr {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil
	}
	return net.TCPAddrFromAddrPort(ap)
}

// realPace converts one of a provider's real default intervals to the
// profile's time: divided by Scale. Without a Scale it returns quick, the
// sandbox's own pace.
func (s *Sandbox) realPace(real, quick time.Duration) time.Duration {
	if s.profile.Scale <= 0 {
		return quick
	}
	return time.Duration(float64(real) / s.profile.Scale)
}

// hetznerPace returns the Hetzner provider's poll and SSH intervals: its
// defaults in the profile's time, so the sandbox waits as a real run would.
func (s *Sandbox) hetznerPace() []hetzner.Option {
	return []hetzner.Option{
		hetzner.WithPollInterval(s.realPace(hetzner.DefaultPollMin, pollMin), s.realPace(hetzner.DefaultPollMax, pollMax)),
		hetzner.WithSSHBackoff(s.realPace(hetzner.DefaultSSHMin, pollMin), s.realPace(hetzner.DefaultSSHMax, pollMax)),
	}
}

// verifyPace returns the DNS verification's first interval in the
// profile's time.
func (s *Sandbox) verifyPace() time.Duration {
	return s.realPace(dns.DefaultVerifyInterval, pollMin)
}
