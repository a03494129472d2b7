package cloudflare

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudflare/cloudflare-go/v7/zones"
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
// and requires it to be active.
func (p *Provider) findZone(ctx context.Context, name string) (zoneInfo, error) {
	tried := zoneCandidates(name)
	for _, cand := range tried {
		// Fields are set by hand: cloudflare.F lives in the root package,
		// which would compile every Cloudflare service into the binary.
		var params zones.ZoneListParams
		params.Name.Value, params.Name.Present = cand, true
		params.PerPage.Value, params.PerPage.Present = 5, true
		page, err := p.zones.List(ctx, params)
		if err != nil {
			return zoneInfo{}, p.wrap(fmt.Sprintf("find zone %s", cand), err)
		}
		for _, z := range page.Result {
			if !strings.EqualFold(z.Name, cand) {
				continue
			}
			zi := zoneInfo{ID: z.ID, Name: strings.ToLower(z.Name), Status: string(z.Status), NameServers: z.NameServers}
			if zi.Status != "active" {
				return zi, &ZoneError{Name: name, Zone: zi.Name, Status: zi.Status, Tried: tried}
			}
			p.debug(ctx, "cloudflare zone found", "zone", zi.Name, "id", zi.ID)
			return zi, nil
		}
	}
	return zoneInfo{}, &ZoneError{Name: name, Tried: tried}
}
