package hetzner

import (
	"context"
	"fmt"
	"maps"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// Destroy removes every record at spec.Name of spec.Type that carries
// spec.Owner's comment, and nothing else (Hetzner deletes an RRset left
// empty). If records of others remain in an RRset labelled as ours, the
// label is taken off. Content, TTL and Adopt are ignored.
func (p *Provider) Destroy(ctx context.Context, spec dns.RecordSpec) (ensure.Changes, error) {
	what := fmt.Sprintf("destroy dns record %q", spec.Name)
	spec, z, err := p.prepare(ctx, spec, false, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	w := wantOf(spec, z.Name)
	wd, err := p.look(ctx, z, w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	rs := wd.set
	if rs == nil {
		return nil, nil
	}
	var mine []hcloud.ZoneRRSetRecord
	for _, r := range rs.Records {
		if r.Comment == w.comment() {
			mine = append(mine, r)
		}
	}
	name := w.Name + " " + w.Type
	var cs ensure.Changes
	if len(mine) > 0 {
		op := fmt.Sprintf("remove records of rrset %q in zone %s", rs.ID, z.Name)
		a, _, err := p.api.Zone.RemoveRRSetRecords(ctx, rs, hcloud.ZoneRRSetRemoveRecordsOpts{Records: mine})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, p.wrap(op, err))
		}
		if err := p.wait(ctx, op, a); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		for _, r := range mine {
			p.debug(ctx, "hetzner dns record deleted", "zone", z.Name, "rrset", rs.ID, "value", r.Value)
			cs = append(cs, ensure.Change{Kind: changeKind, Name: name, Op: ensure.Deleted, Detail: r.Value + " (" + rs.ID + ")"})
		}
	}
	if rs.Labels[OwnerLabel] == w.Owner && len(rs.Records) > len(mine) {
		labels := maps.Clone(rs.Labels)
		delete(labels, OwnerLabel)
		if err := p.setLabels(ctx, rs, labels); err != nil {
			return cs, fmt.Errorf("%s: %w", what, err)
		}
		cs = append(cs, ensure.Change{Kind: changeKind, Name: name, Op: ensure.Updated,
			Detail: fmt.Sprintf("ownership label removed; %d record(s) of others kept", len(rs.Records)-len(mine))})
	}
	return cs, nil
}
