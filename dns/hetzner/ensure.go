package hetzner

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// Ensure makes the spec's record exist, marked as spec.Owner's (see the
// package documentation for what it touches), and — unless WithoutVerify —
// waits until every authoritative nameserver of the zone serves it.
func (p *Provider) Ensure(ctx context.Context, spec dns.RecordSpec) (*dns.Record, ensure.Op, error) {
	what := fmt.Sprintf("ensure dns record %q", spec.Name)
	spec, z, err := p.prepare(ctx, spec, true, true)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	w := wantOf(spec, z.Name)
	op := ensure.Unchanged
	failures := 0
	var lastErr error
	// Look, decide, act; and look again after acting, until nothing is left
	// to do. A failed change is followed by a look, never sent again blind.
	for round := 0; ; round++ {
		if round > p.cfg.attempts+2 {
			return nil, op, fmt.Errorf("%s: still not converged after %d rounds: %w", what, round, errors.Join(lastErr, ensure.ErrConflict))
		}
		wd, err := p.look(ctx, z, w)
		if err != nil {
			return nil, op, fmt.Errorf("%s: %w", what, errors.Join(err, lastErr))
		}
		st, err := decide(w, wd)
		if err != nil {
			return nil, op, fmt.Errorf("%s: %w", what, err)
		}
		if !st.mutates() {
			rec := p.record(z, w, wd.set)
			if p.cfg.verify {
				vopts := p.cfg.verifyOpts
				if op != ensure.Unchanged {
					vopts = append(slices.Clip(vopts), dns.AfterChange())
				}
				if err := dns.Verify(ctx, rec, vopts...); err != nil {
					return rec, op, fmt.Errorf("%s: %w", what, err)
				}
			}
			return rec, op, nil
		}
		if st.create {
			op = ensure.Merge(op, ensure.Created)
		} else {
			op = ensure.Merge(op, ensure.Updated)
		}
		err = p.apply(ctx, z, w, wd, st)
		if err == nil {
			continue
		}
		if ctx.Err() != nil || !lookAgain(err) {
			return nil, op, fmt.Errorf("%s: %w", what, err)
		}
		failures++
		lastErr = err
		if failures >= p.cfg.attempts {
			return nil, op, fmt.Errorf("%s: %w", what, err)
		}
		p.debug(ctx, "hetzner dns change failed; looking again", "failures", failures, "error", err.Error())
		if err := p.pause(ctx, failures, err); err != nil {
			return nil, op, fmt.Errorf("%s: %w", what, errors.Join(lastErr, err))
		}
	}
}

// record is the dns.Record for the converged RRset.
func (p *Provider) record(z *hcloud.Zone, w want, rs *hcloud.ZoneRRSet) *dns.Record {
	rec := &dns.Record{Zone: z.Name, Name: w.Name, Type: w.Type, Content: w.Content, TTL: z.TTL,
		Nameservers: append([]string(nil), z.AuthoritativeNameservers.Assigned...)}
	if rs != nil {
		rec.ID = rs.ID
		if rs.TTL != nil {
			rec.TTL = *rs.TTL
		}
	}
	return rec
}
