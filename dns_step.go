package assemble

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// StepDNS is the name of the A record step; an AAAA record's step is
// StepDNS + "-aaaa".
const StepDNS = "dns"

// Domain adds a DNS record pointing spec.Name at the server: an A record
// (spec.Type empty or "A") with the server's IPv4, or an AAAA record with
// its IPv6 — call Domain twice for both. With spec.Content set it points
// there instead and doesn't wait for the server. The recipe fills in
// spec.Owner.
func (r *Recipe) Domain(p dns.Provider, spec dns.RecordSpec) *Recipe {
	return r.Add(&dnsStep{r: r, p: p, spec: spec})
}

type dnsStep struct {
	r    *Recipe
	p    dns.Provider
	spec dns.RecordSpec
}

func (d *dnsStep) aaaa() bool { return strings.EqualFold(d.spec.Type, dns.TypeAAAA) }

func (d *dnsStep) Name() string {
	if d.aaaa() {
		return StepDNS + "-aaaa"
	}
	return StepDNS
}

func (d *dnsStep) Needs() []string {
	if d.spec.Content == "" {
		return []string{StepServer}
	}
	return nil
}

var _ MilestoneNeeder = (*dnsStep)(nil)

// NeedsMilestones starts the record as soon as the server's address is
// known, not when the server answers SSH.
func (d *dnsStep) NeedsMilestones() map[string]string {
	if d.spec.Content == "" {
		return map[string]string{StepServer: MilestoneServerAddress}
	}
	return nil
}

// resolve fills Owner and, from srv, Content; ok is false when the address
// isn't known yet.
func (d *dnsStep) resolve(out *Outputs, srv *server.Server) (spec dns.RecordSpec, ok bool, err error) {
	spec = d.spec
	if spec.Owner == "" {
		spec.Owner = d.r.name
	}
	if spec.Content != "" {
		return spec, true, nil
	}
	if srv == nil {
		return spec, false, nil
	}
	if d.aaaa() {
		if !srv.IPv6.IsValid() {
			return spec, false, fmt.Errorf("ensure dns record %q: %w", spec.Name,
				ensure.Invalid("dns.type", "AAAA", "the server has no IPv6 address", "drop the AAAA record or give the server IPv6"))
		}
		spec.Content = hostIPv6(srv.IPv6).String()
	} else {
		if !srv.IPv4.IsValid() {
			return spec, false, fmt.Errorf("ensure dns record %q: %w", spec.Name,
				ensure.Invalid("dns.type", "A", "the server has no IPv4 address", "give the server an IPv4 address, or use an AAAA record"))
		}
		spec.Content = srv.IPv4.String()
	}
	return spec, true, nil
}

// Ensure may run while the server step still fills in out.Server (see
// NeedsMilestones), so it reads the copy published with the address.
// Validate checks the record's name, type and owner (and its address, when
// the spec gives one) before anything runs.
//
// The address comes from the server later, so a placeholder of the right
// family (from the documentation ranges) stands in for it: the rest of the
// spec — the TTL's range, say — is checked all the same, by the provider too
// when it can.
func (d *dnsStep) Validate(ctx context.Context) error {
	spec := d.spec
	if spec.Owner == "" {
		spec.Owner = d.r.name
	}
	if spec.Content == "" {
		spec.Content = "192.0.2.1"
		if d.aaaa() {
			spec.Content = "2001:db8::1"
		}
	}
	if v, ok := d.p.(dns.Validator); ok {
		return v.Validate(ctx, spec)
	}
	return spec.Validate()
}

func (d *dnsStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	spec, ok, err := d.resolve(out, out.serverAddress())
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("ensure dns record %q: the server's address is not known", spec.Name)
	}
	rec, op, err := d.p.Ensure(ctx, spec)
	if err != nil {
		return "", err
	}
	if d.aaaa() {
		out.RecordAAAA = rec
	} else {
		out.Record = rec
	}
	return op, nil
}

func (d *dnsStep) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	spec, ok, err := d.resolve(out, out.Server)
	if err != nil {
		return nil, err
	}
	if !ok {
		return ensure.Changes{{Kind: "dns record", Name: spec.Name, Op: ensure.Created, Detail: "points at the server once it has an address"}}, nil
	}
	return planVia(ctx, d.p, spec, "dns record", spec.Name)
}

func (d *dnsStep) Destroy(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	spec, _, _ := d.resolve(out, out.Server)
	return destroyVia(ctx, d.p, spec)
}

// hostIPv6 returns the server's own IPv6 address: the address itself for a
// single address (/128, a host you already have), and ::1 of a routed
// prefix, which Hetzner and most clouds configure on the host.
func hostIPv6(p netip.Prefix) netip.Addr {
	if p.Bits() == 128 || p.Addr() != p.Masked().Addr() {
		return p.Addr()
	}
	return p.Addr().Next()
}
