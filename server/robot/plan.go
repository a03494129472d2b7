package robot

import (
	"context"
	"fmt"
	"strconv"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Plan lists what Ensure would change. It only reads — except that a server
// to be ordered is checked with Robot's test order (test=true), which places
// nothing.
func (p *Provider) Plan(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	pl, err := p.prepare(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("plan robot server %q: %w", spec.Name, err)
	}
	var cs ensure.Changes
	keyChange := ensure.Change{Kind: "ssh key", Name: pl.keyName, Op: ensure.Unchanged}
	if pl.key == nil {
		keyChange.Op, keyChange.Detail = ensure.Created, "fingerprint "+pl.keyFP
	} else {
		keyChange.Name = pl.key.Name
	}
	cs = append(cs, keyChange)

	switch {
	case pl.srv != nil:
		cs = append(cs, ensure.Change{Kind: "server", Name: spec.Name, Op: ensure.Unchanged, Detail: "robot server " + strconv.Itoa(pl.srv.Number)})
	case pl.txn != nil:
		cs = append(cs, ensure.Change{Kind: "server", Name: spec.Name, Op: ensure.Created, Detail: "order " + pl.txn.ID + " " + pl.txn.Status})
	default:
		req := OrderRequest{Order: pl.order, Comment: orderComment(pl.owner, spec.Name), Test: true}
		if pl.key != nil {
			req.Keys = []string{pl.keyFP}
		}
		if _, err := p.c.OrderServer(ctx, req); err != nil {
			return nil, fmt.Errorf("plan robot server %q: test order (%s): %w", spec.Name, orderDetail(pl.order), err)
		}
		cs = append(cs, ensure.Change{Kind: "server", Name: spec.Name, Op: ensure.Created, Detail: "order " + orderDetail(pl.order) + " (test order accepted)"})
	}

	fwName := spec.Name
	if pl.srv == nil {
		cs = append(cs, ensure.Change{Kind: "firewall", Name: fwName, Op: ensure.Updated, Detail: fmt.Sprintf("%d rules, on the new server", len(pl.rules))})
		return cs, nil
	}
	cur, err := p.c.Firewall(ctx, pl.srv.Number)
	if err != nil {
		return nil, fmt.Errorf("plan robot server %q: read firewall: %w", spec.Name, err)
	}
	next := desiredFirewall(pl.owner, cur, pl.rules)
	fw := ensure.Change{Kind: "firewall", Name: fwName, Op: ensure.Unchanged}
	if cur.Status != FirewallInProcess && (cur.Status != next.Status || !cur.FilterIPv6 || !sameRules(cur.Input, next.Input)) {
		fw.Op, fw.Detail = ensure.Updated, firewallDiff(cur, next)
	} else if cur.Status == FirewallInProcess {
		fw.Detail = "a change is being applied; Ensure waits for it and compares again"
	}
	return append(cs, fw), nil
}
