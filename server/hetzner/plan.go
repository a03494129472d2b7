package hetzner

import (
	"context"
	"fmt"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Plan returns the changes Ensure would make, in order, using reads only.
// A change that needs the server replaced is listed with Replace set (Ensure
// refuses it). Conflicts with resources that aren't the recipe's are errors.
func (p *Provider) Plan(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	w, err := p.observe(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("plan server %q: %w", spec.Name, err)
	}
	if err := w.conflicts(); err != nil {
		return nil, fmt.Errorf("plan server %q: %w", spec.Name, err)
	}
	return w.changes(), nil
}

// conflicts returns the first reason Ensure can't proceed without touching
// something that isn't the recipe's.
func (w *world) conflicts() error {
	s := w.spec
	if w.key == nil && w.keyByName != nil {
		return &ConflictError{Kind: "ssh key", Name: s.SSHKeyName, Reason: fmt.Sprintf("exists with another key (fingerprint %s); set Spec.SSHKeyName to a free name", w.keyByName.Fingerprint)}
	}
	if w.fw != nil && !owned(w.fw.Labels, s) {
		return &ConflictError{Kind: "firewall", Name: s.Name, Reason: fmt.Sprintf("exists and is not labelled %s=%s: not adopting it; rename the server or label the firewall", server.OwnerLabel, s.Owner)}
	}
	if w.srv != nil && !owned(w.srv.Labels, s) {
		return &ConflictError{Kind: "server", Name: s.Name, Reason: fmt.Sprintf("exists (id %d) and is not labelled %s=%s: not adopting it; choose another name", w.srv.ID, server.OwnerLabel, s.Owner)}
	}
	return nil
}

func (w *world) changes() ensure.Changes {
	s := w.spec
	var cs ensure.Changes
	switch {
	case w.key != nil:
		cs = append(cs, ensure.Change{Kind: "ssh key", Name: w.key.Name, Op: ensure.Unchanged})
	default:
		cs = append(cs, ensure.Change{Kind: "ssh key", Name: s.SSHKeyName, Op: ensure.Created, Detail: w.keyFP})
	}
	want := s.Firewall
	switch {
	case w.fw == nil:
		cs = append(cs, ensure.Change{Kind: "firewall", Name: s.Name, Op: ensure.Created, Detail: server.DiffRules(nil, want)})
	default:
		have := haveRules(w.fw.Rules)
		_, ldrift := labelDrift(w.fw.Labels, s)
		switch {
		case !server.SameRules(have, want):
			cs = append(cs, ensure.Change{Kind: "firewall", Name: s.Name, Op: ensure.Updated, Detail: "rules: " + server.DiffRules(have, want)})
		case ldrift:
			cs = append(cs, ensure.Change{Kind: "firewall", Name: s.Name, Op: ensure.Updated, Detail: "labels"})
		default:
			cs = append(cs, ensure.Change{Kind: "firewall", Name: s.Name, Op: ensure.Unchanged})
		}
	}
	if w.srv == nil {
		cs = append(cs, ensure.Change{Kind: "server", Name: s.Name, Op: ensure.Created,
			Detail: fmt.Sprintf("%s in %s, %s (%s)", s.Type, s.Location, s.Image, w.stype.Architecture)})
		return cs
	}
	if d := replaceDiffs(w.srv, s); len(d) > 0 {
		cs = append(cs, ensure.Change{Kind: "server", Name: s.Name, Op: ensure.Updated, Replace: true, Detail: joinDiffs(d)})
		return cs
	}
	var detail []string
	if _, drift := labelDrift(w.srv.Labels, s); drift {
		detail = append(detail, "labels")
	}
	if w.fw == nil || !firewallOn(w.fw, w.srv) {
		detail = append(detail, "apply firewall")
	}
	if w.srv.Status == hcloud.ServerStatusOff {
		detail = append(detail, "power on")
	}
	if len(detail) > 0 {
		cs = append(cs, ensure.Change{Kind: "server", Name: s.Name, Op: ensure.Updated, Detail: joinDiffs(detail)})
	} else {
		cs = append(cs, ensure.Change{Kind: "server", Name: s.Name, Op: ensure.Unchanged})
	}
	return cs
}

func joinDiffs(d []string) string {
	out := ""
	for i, s := range d {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
