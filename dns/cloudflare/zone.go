package cloudflare

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudflare/cloudflare-go/v7/zones"
	"golang.org/x/sync/errgroup"
)

type zoneInfo struct {
	ID, Name, Status string
	NameServers      []string
}

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

// findZone finds the zone with the longest name that is a suffix of name,
// and requires it to be active. The candidates are looked up at once, so
// finding the zone of a.b.example.com costs one round trip, not three.
func (p *Provider) findZone(ctx context.Context, name string) (zoneInfo, error) {
	tried := zoneCandidates(name)
	found := make([]*zoneInfo, len(tried))
	var g errgroup.Group
	for i, cand := range tried {
		g.Go(func() error {
			// Fields are set by hand: cloudflare.F lives in the root package,
			// which would compile every Cloudflare service into the binary.
			var params zones.ZoneListParams
			params.Name.Value, params.Name.Present = cand, true
			params.PerPage.Value, params.PerPage.Present = 5, true
			page, err := p.zones.List(ctx, params)
			if err != nil {
				return p.wrap(fmt.Sprintf("find zone %s", cand), err)
			}
			for _, z := range page.Result {
				if strings.EqualFold(z.Name, cand) {
					found[i] = &zoneInfo{ID: z.ID, Name: strings.ToLower(z.Name), Status: string(z.Status), NameServers: z.NameServers}
					break
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return zoneInfo{}, err
	}
	for _, zi := range found { // longest first
		if zi == nil {
			continue
		}
		if zi.Status != "active" {
			return *zi, &ZoneError{Name: name, Zone: zi.Name, Status: zi.Status, Tried: tried}
		}
		p.debug(ctx, "cloudflare zone found", "zone", zi.Name, "id", zi.ID)
		return *zi, nil
	}
	return zoneInfo{}, &ZoneError{Name: name, Tried: tried}
}
