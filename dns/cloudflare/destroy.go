package cloudflare

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// Destroy deletes every record at spec.Name of spec.Type that carries
// spec.Owner's mark, and nothing else. Content, TTL and Proxied are ignored.
func (p *Provider) Destroy(ctx context.Context, spec dns.RecordSpec) (ensure.Changes, error) {
	what := fmt.Sprintf("destroy dns record %q", spec.Name)
	spec, z, err := p.prepare(ctx, spec, false, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	w := wantOf(spec)
	wd, err := p.look(ctx, z, w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var cs ensure.Changes
	for _, r := range wd.ours {
		if err := p.remove(ctx, z, r); err != nil {
			return cs, fmt.Errorf("%s: %w", what, err)
		}
		p.debug(ctx, "cloudflare dns record deleted", "name", r.Name, "id", r.ID)
		cs = append(cs, ensure.Change{Kind: changeKind, Name: w.Name + " " + w.Type, Op: ensure.Deleted, Detail: r.Content + " (" + r.ID + ")"})
	}
	return cs, nil
}
