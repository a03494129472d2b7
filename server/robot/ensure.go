package robot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Ensure makes the server ready: SSH key in Robot, server found (or ordered
// when WithOrder allows it), firewall set and applied, SSH answering with an
// accepted host key. A second call on a converged world sends no mutating
// request and reports ensure.Unchanged.
func (p *Provider) Ensure(ctx context.Context, spec server.Spec) (*server.Server, ensure.Op, error) {
	fail := func(err error) (*server.Server, ensure.Op, error) {
		return nil, ensure.Unchanged, fmt.Errorf("ensure robot server %q: %w", spec.Name, err)
	}
	pl, err := p.prepare(ctx, spec)
	if err != nil {
		return fail(err)
	}
	keyOp, err := p.ensureKey(ctx, pl)
	if err != nil {
		return fail(err)
	}
	srvOp := ensure.Unchanged
	orderFPs := pl.orderFPs
	if pl.srv == nil || pl.txn != nil {
		if srvOp, orderFPs, err = p.ensureOrdered(ctx, pl); err != nil {
			return fail(err)
		}
	}
	fwOp, err := p.ensureFirewall(ctx, pl)
	if err != nil {
		return fail(err)
	}
	addr := sshAddr(pl.srv)
	key, err := p.waitSSH(ctx, fmt.Sprintf("robot server %d", pl.srv.Number), addr, orderFPs)
	if err != nil {
		return fail(err)
	}
	return p.result(pl, pl.srv, key), ensure.Merge(keyOp, srvOp, fwOp), nil
}

// ensureKey uploads the SSH key unless Robot has it (under any name).
func (p *Provider) ensureKey(ctx context.Context, pl *plan) (ensure.Op, error) {
	if pl.key != nil {
		return ensure.Unchanged, nil
	}
	k, err := p.c.CreateKey(ctx, pl.keyName, pl.keyData)
	switch {
	case err == nil:
		pl.key = k
		p.cfg.log.DebugContext(ctx, "robot: uploaded ssh key", "name", pl.keyName, "fingerprint", pl.keyFP)
		return ensure.Created, nil
	case IsCode(err, CodeKeyExists):
		// Someone (or our lost response) stored it meanwhile.
		pl.key = &Key{Fingerprint: pl.keyFP}
		return ensure.Unchanged, nil
	}
	var terr *TransportError
	if errors.As(err, &terr) {
		if k, gerr := p.c.Key(ctx, pl.keyFP); gerr == nil {
			pl.key = k
			return ensure.Created, nil
		}
	}
	return ensure.Unchanged, fmt.Errorf("upload ssh key %q: %w", pl.keyName, err)
}

// ensureOrdered orders the server (or resumes our earlier order), waits
// until it is ready and gives it the spec's name. It returns the MD5
// fingerprints of the new server's host keys.
func (p *Provider) ensureOrdered(ctx context.Context, pl *plan) (ensure.Op, []string, error) {
	txn := pl.txn
	if txn == nil {
		comment := orderComment(pl.owner, pl.spec.Name)
		t, err := p.c.OrderServer(ctx, OrderRequest{Order: pl.order, Keys: []string{pl.keyFP}, Comment: comment})
		if err != nil {
			// The order may have been placed and its answer lost: look
			// before anyone orders again.
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Status >= 500 {
				if ts, lerr := p.c.Transactions(ctx); lerr == nil {
					for i := range ts {
						if ts[i].Comment == comment && ts[i].Status != "cancelled" {
							t, err = &ts[i], nil
						}
					}
				}
			}
			if err != nil {
				return ensure.Unchanged, nil, fmt.Errorf("order robot server (%s): %w", orderDetail(pl.order), err)
			}
		}
		p.cfg.log.DebugContext(ctx, "robot: ordered server", "transaction", t.ID, "product", pl.order.Product)
		txn = t
	}
	start := time.Now()
	interval := p.cfg.pollMin
	for txn.Status != "ready" {
		if txn.Status == "cancelled" {
			return ensure.Unchanged, nil, fmt.Errorf("order %s of robot server %q was cancelled by Hetzner: %w", txn.ID, pl.spec.Name, ensure.ErrUnavailable)
		}
		ensure.Report(ctx, "waiting for robot order %s of %q to be ready (%s)", txn.ID, pl.spec.Name, time.Since(start).Round(time.Second))
		if err := sleepCtx(ctx, interval); err != nil {
			return ensure.Unchanged, nil, fmt.Errorf("wait for robot order %s: %w; the order stands, run again to continue", txn.ID, err)
		}
		interval = min(interval*2, p.cfg.pollMax)
		t, err := p.c.Transaction(ctx, txn.ID)
		if err != nil {
			if cerr := ctxErr(ctx); cerr != nil {
				// Cut off mid-request: the same as being cut off asleep.
				return ensure.Unchanged, nil, fmt.Errorf("wait for robot order %s: %w; the order stands, run again to continue", txn.ID, cerr)
			}
			return ensure.Unchanged, nil, fmt.Errorf("wait for robot order %s: %w", txn.ID, err)
		}
		txn = t
	}
	s, err := p.c.Server(ctx, txn.ServerNumber)
	if err != nil {
		return ensure.Unchanged, nil, fmt.Errorf("look up ordered robot server %d: %w", txn.ServerNumber, err)
	}
	if s.Name != pl.spec.Name {
		if err := p.c.RenameServer(ctx, s.Number, pl.spec.Name); err != nil {
			return ensure.Unchanged, nil, fmt.Errorf("name robot server %d %q: %w", s.Number, pl.spec.Name, err)
		}
		s.Name = pl.spec.Name
	}
	pl.srv = s
	return ensure.Created, txn.HostKeys, nil
}

// waitFirewall polls while the firewall is "in process".
func (p *Provider) waitFirewall(ctx context.Context, number int, fw *Firewall) (*Firewall, error) {
	start := time.Now()
	interval := p.cfg.pollMin
	for fw.Status == FirewallInProcess {
		ensure.Report(ctx, "waiting for Robot to apply the firewall of server %d (%s)", number, time.Since(start).Round(time.Second))
		if err := sleepCtx(ctx, interval); err != nil {
			return nil, fmt.Errorf("wait for firewall of robot server %d: %w", number, err)
		}
		interval = min(interval*2, p.cfg.pollMax)
		next, err := p.c.Firewall(ctx, number)
		if err != nil {
			return nil, fmt.Errorf("wait for firewall of robot server %d: %w", number, err)
		}
		fw = next
	}
	return fw, nil
}

// ensureFirewall sets the owner's rules (and IPv6 filtering, and active)
// when the firewall differs, and waits until Robot has applied it.
func (p *Provider) ensureFirewall(ctx context.Context, pl *plan) (ensure.Op, error) {
	n := pl.srv.Number
	cur, err := p.c.Firewall(ctx, n)
	if err != nil {
		return ensure.Unchanged, fmt.Errorf("read firewall of robot server %d: %w", n, err)
	}
	if cur, err = p.waitFirewall(ctx, n, cur); err != nil {
		return ensure.Unchanged, err
	}
	next := desiredFirewall(pl.owner, cur, pl.rules)
	if cur.Status == next.Status && cur.FilterIPv6 && sameRules(cur.Input, next.Input) {
		return ensure.Unchanged, nil
	}
	if len(next.Input) > MaxRules {
		return ensure.Unchanged, ensure.Invalid("server.firewall", fmt.Sprintf("%d rules", len(next.Input)),
			fmt.Sprintf("with the %d rules already on robot server %d the firewall would exceed Robot's %d inbound rules", len(next.Input)-len(pl.rules), n, MaxRules),
			"remove rules you no longer need in Robot, or use fewer rules")
	}
	p.cfg.log.DebugContext(ctx, "robot: setting firewall", "server", n, "change", firewallDiff(cur, next))
	applied, err := p.c.SetFirewall(ctx, n, next)
	if err != nil {
		return ensure.Unchanged, fmt.Errorf("set firewall of robot server %d: %w", n, err)
	}
	if _, err := p.waitFirewall(ctx, n, applied); err != nil {
		return ensure.Unchanged, err
	}
	return ensure.Updated, nil
}
