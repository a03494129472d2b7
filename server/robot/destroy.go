package robot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Destroy removes the firewall rules and the SSH key this owner set. It
// never cancels a server (Robot servers are rented by the month; cancel in
// Robot yourself), never touches rules or keys named otherwise, and reports
// what it deleted.
func (p *Provider) Destroy(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	fail := func(err error) (ensure.Changes, error) {
		return nil, fmt.Errorf("destroy robot server %q: %w", spec.Name, err)
	}
	if err := p.c.checkCredentials(); err != nil {
		return fail(err)
	}
	if spec.Owner == "" {
		return fail(ensure.Invalid("server.owner", "", "missing", "use the recipe's name"))
	}
	var cs ensure.Changes
	pl := &plan{spec: spec, owner: spec.Owner}
	err := p.findServerNoOrder(ctx, pl)
	switch {
	case err == nil:
		c, err := p.destroyFirewall(ctx, pl)
		if err != nil {
			return fail(err)
		}
		cs = append(cs, c...)
	case errors.Is(err, ensure.ErrNotFound):
	default:
		return fail(err)
	}
	if spec.SSHKey != nil {
		fp := ssh.FingerprintLegacyMD5(spec.SSHKey)
		k, err := p.c.Key(ctx, fp)
		switch {
		case err == nil && strings.HasSuffix(k.Name, " (assemble:"+spec.Owner+")"):
			if err := p.c.DeleteKey(ctx, fp); err != nil && !errors.Is(err, ensure.ErrNotFound) {
				return fail(fmt.Errorf("delete ssh key %q: %w", k.Name, err))
			}
			cs = append(cs, ensure.Change{Kind: "ssh key", Name: k.Name, Op: ensure.Deleted})
		case err == nil, errors.Is(err, ensure.ErrNotFound):
		default:
			return fail(fmt.Errorf("look up ssh key %s: %w", fp, err))
		}
	}
	return cs, nil
}

// findServerNoOrder finds the server, or one an order of ours produced;
// a missing server is ensure.ErrNotFound.
func (p *Provider) findServerNoOrder(ctx context.Context, pl *plan) error {
	if err := p.findServer(ctx, pl, true); err != nil {
		return err
	}
	if pl.srv == nil {
		return ensure.ErrNotFound
	}
	return nil
}

func (p *Provider) destroyFirewall(ctx context.Context, pl *plan) (ensure.Changes, error) {
	n := pl.srv.Number
	cur, err := p.c.Firewall(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("read firewall of robot server %d: %w", n, err)
	}
	if cur, err = p.waitFirewall(ctx, n, cur); err != nil {
		return nil, err
	}
	var keep []FirewallRule
	var removed []string
	for _, r := range cur.Input {
		if ownsRule(pl.owner, r) {
			removed = append(removed, r.Name)
		} else {
			keep = append(keep, r)
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	var applied *Firewall
	if len(keep) == 0 && len(cur.Output) == 0 {
		applied, err = p.c.DeleteFirewall(ctx, n)
	} else {
		next := *cur
		next.Input = keep
		if next.Status == FirewallInProcess {
			next.Status = FirewallActive
		}
		applied, err = p.c.SetFirewall(ctx, n, next)
	}
	if err != nil {
		return nil, fmt.Errorf("remove firewall rules of robot server %d: %w", n, err)
	}
	if _, err := p.waitFirewall(ctx, n, applied); err != nil {
		return nil, err
	}
	return ensure.Changes{{Kind: "firewall rules", Name: "robot server " + strconv.Itoa(n), Op: ensure.Deleted, Detail: strings.Join(removed, ", ")}}, nil
}
