package hetzner

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// labelValueRE is what Hetzner accepts as a label value.
var labelValueRE = regexp.MustCompile(`^([a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)?$`)

// zoneCandidates lists the suffixes of name that may be its zone, longest
// first, never a bare top-level domain.
func zoneCandidates(name string) []string {
	labels := strings.Split(name, ".")
	var out []string
	for i := 0; i < len(labels)-1; i++ {
		out = append(out, strings.Join(labels[i:], "."))
	}
	return out
}

// relName is name relative to zone, "@" for the apex.
func relName(name, zone string) string {
	if name == zone {
		return "@"
	}
	return strings.TrimSuffix(name, "."+zone)
}

// check is what prepare knows without asking Hetzner.
func (p *Provider) check(spec dns.RecordSpec, full bool) error {
	var err error
	if full {
		err = spec.Validate()
	} else {
		err = spec.ValidateIdentity()
	}
	if err == nil && full && spec.TTL != 0 && spec.TTL < 60 {
		err = ensure.Invalid("dns.ttl", strconv.Itoa(spec.TTL), "Hetzner DNS accepts 60 to 86400 seconds", "use 0 for the zone's default TTL, or at least 60")
	}
	if err == nil && !labelValueRE.MatchString(spec.Owner) {
		err = ensure.Invalid("dns.owner", spec.Owner, "not usable as a Hetzner label value (letters, digits, '-', '_' and '.', starting and ending with a letter or digit)", "use the recipe's name in that form")
	}
	if err == nil && p.token.IsZero() {
		err = ensure.Invalid("hetzner.token", "", "the API token is empty", "create an API token (read & write) in the Hetzner Console project that holds the zone and pass it to hetzner.New")
	}
	if err == nil && strings.ContainsAny(p.token.Reveal(), " \t\r\n") {
		err = ensure.Invalid("hetzner.token", "", "the API token contains whitespace", "copy the token again, without spaces or line breaks")
	}
	return err
}

// prepare validates and normalizes the spec, then finds its zone: the first
// request, so a bad token fails here, before any change. A zone Validate
// found for the same record moments ago is taken instead of being looked up
// again, by Ensure only (usePrimed): no preflight comes before Plan or
// Destroy, so what they would find is only a leftover of a preflight that
// failed elsewhere.
func (p *Provider) prepare(ctx context.Context, spec dns.RecordSpec, full, usePrimed bool) (dns.RecordSpec, *hcloud.Zone, error) {
	spec = spec.Normalized()
	if err := p.check(spec, full); err != nil {
		return spec, nil, err
	}
	if usePrimed {
		if z, ok := p.primed.Take(primeKey{spec.Name, spec.Type}); ok {
			p.debug(ctx, "hetzner dns zone primed by validate", "zone", z.Name, "id", z.ID)
			return spec, z, nil
		}
	}
	z, err := p.findZone(ctx, spec.Name)
	return spec, z, err
}

// findZone finds the zone with the longest name that is a suffix of name,
// and requires primary mode. The candidates are looked up at once, so
// finding the zone of a.b.example.com costs one round trip, not three; the
// answers are then read longest first, as if asked one after the other (an
// error on a shorter candidate than the zone found doesn't matter).
func (p *Provider) findZone(ctx context.Context, name string) (*hcloud.Zone, error) {
	tried := zoneCandidates(name)
	found := make([]*hcloud.Zone, len(tried))
	errs := make([]error, len(tried))
	var wg sync.WaitGroup
	for i, cand := range tried {
		wg.Go(func() {
			z, _, err := p.api.Zone.GetByName(ctx, cand)
			if err != nil {
				errs[i] = p.wrap(fmt.Sprintf("find zone %s", cand), err)
				return
			}
			found[i] = z
		})
	}
	wg.Wait()
	for i, z := range found { // longest first
		if errs[i] != nil {
			return nil, errs[i]
		}
		if z == nil {
			continue
		}
		if z.Mode != hcloud.ZoneModePrimary {
			return nil, &ZoneError{Name: name, Zone: z.Name, Mode: string(z.Mode), Tried: tried}
		}
		p.debug(ctx, "hetzner dns zone found", "zone", z.Name, "id", z.ID)
		return z, nil
	}
	ze := &ZoneError{Name: name, Tried: tried}
	if zs, _, err := p.api.Zone.List(ctx, hcloud.ZoneListOpts{ListOpts: hcloud.ListOpts{PerPage: 50}}); err == nil {
		for _, z := range zs {
			ze.Have = append(ze.Have, z.Name)
		}
	}
	return nil, ze
}
