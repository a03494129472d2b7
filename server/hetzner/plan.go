package hetzner

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Plan returns the changes Ensure would make, in order, using reads only.
// A change that needs the server replaced is listed with Replace set (Ensure
// refuses it). Conflicts with resources that aren't the recipe's are errors.
//
// A spec without an SSH key is planned as if a new key will be uploaded: in a
// recipe's plan the key doesn't exist yet when it is still to be generated.
func (p *Provider) Plan(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	keyUnknown := spec.SSHKey == nil
	if keyUnknown {
		spec.SSHKey = placeholderKey
	}
	w, err := p.observe(ctx, spec, false)
	if err != nil {
		return nil, fmt.Errorf("plan server %q: %w", spec.Name, err)
	}
	if keyUnknown {
		// Whatever holds the key's name is not the key still to be made.
		if w.keyByName != nil && !owned(w.keyByName.Labels, w.spec) {
			return nil, fmt.Errorf("plan server %q: %w", spec.Name, &ConflictError{Kind: "ssh key", Name: w.spec.SSHKeyName, Reason: "the name is taken by a key that isn't this recipe's; set Spec.SSHKeyName to a free name"})
		}
		w.keyByName = nil
	}
	if err := w.conflicts(); err != nil {
		return nil, fmt.Errorf("plan server %q: %w", spec.Name, err)
	}
	cs := w.changes()
	if keyUnknown {
		for i := range cs {
			if cs[i].Kind == "ssh key" {
				cs[i].Detail = "the recipe's key, generated when Ensure runs"
			}
		}
	}
	return cs, nil
}

// placeholderKey stands in for a login key that doesn't exist yet when
// planning; its fingerprint matches no real key.
var placeholderKey = func() ssh.PublicKey {
	k, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		panic(err)
	}
	return k
}()

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
