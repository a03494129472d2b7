package hetzner

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Destroy deletes the server, firewall and SSH key that spec names, each
// only if it is labelled as spec.Owner's, and reports what it deleted.
// Resources that aren't the recipe's are left alone (and reported as
// Unchanged); a key the recipe used but didn't upload is kept. Destroy does
// not need the spec's type, location or image to be valid.
func (p *Provider) Destroy(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	cs, err := p.destroy(ctx, spec.WithDefaults())
	if err != nil {
		return cs, fmt.Errorf("destroy server %q: %w", spec.Name, err)
	}
	return cs, nil
}

func (p *Provider) destroy(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	if spec.Owner == "" {
		return nil, ensure.Invalid("server.owner", "", "missing", "Destroy only removes what is labelled with the recipe's name")
	}
	if p.token.IsZero() {
		return nil, ensure.Invalid("hetzner.token", "", "missing", "pass the API token")
	}
	var cs ensure.Changes

	srv, _, err := p.api.Server.GetByName(ctx, spec.Name)
	if err != nil {
		return cs, fmt.Errorf("look up server: %w", p.convert(err))
	}
	switch {
	case srv == nil:
	case !owned(srv.Labels, spec):
		cs = append(cs, ensure.Change{Kind: "server", Name: spec.Name, Op: ensure.Unchanged, Detail: "not ours: kept"})
	default:
		var res *hcloud.ServerDeleteResult
		err := p.again(ctx, func() (err error) {
			res, _, err = p.api.Server.DeleteWithResult(ctx, srv)
			return err
		})
		if err != nil && !isCode(err, "not_found") {
			return cs, fmt.Errorf("delete server %q: %w", spec.Name, err)
		}
		if res != nil {
			if err := p.waitActions(ctx, "server "+strconv.Quote(spec.Name)+" to be deleted", res.Action); err != nil {
				return cs, err
			}
		}
		cs = append(cs, ensure.Change{Kind: "server", Name: spec.Name, Op: ensure.Deleted, Detail: "id " + strconv.FormatInt(srv.ID, 10)})
	}

	fw, _, err := p.api.Firewall.GetByName(ctx, spec.Name)
	if err != nil {
		return cs, fmt.Errorf("look up firewall: %w", p.convert(err))
	}
	switch {
	case fw == nil:
	case !owned(fw.Labels, spec):
		cs = append(cs, ensure.Change{Kind: "firewall", Name: spec.Name, Op: ensure.Unchanged, Detail: "not ours: kept"})
	case len(fw.AppliedTo) > 0:
		return cs, &ConflictError{Kind: "firewall", Name: spec.Name, Reason: fmt.Sprintf("is still applied to %d resource(s) that aren't the server we deleted; remove it from them first", len(fw.AppliedTo))}
	default:
		err := p.again(ctx, func() error { _, err := p.api.Firewall.Delete(ctx, fw); return err })
		if err != nil && !isCode(err, "not_found") {
			return cs, fmt.Errorf("delete firewall %q: %w", spec.Name, err)
		}
		cs = append(cs, ensure.Change{Kind: "firewall", Name: spec.Name, Op: ensure.Deleted})
	}

	keys := []*hcloud.SSHKey{}
	if k, _, err := p.api.SSHKey.GetByName(ctx, spec.SSHKeyName); err != nil {
		return cs, fmt.Errorf("look up ssh key: %w", p.convert(err))
	} else if k != nil {
		keys = append(keys, k)
	}
	if spec.SSHKey != nil {
		k, _, err := p.api.SSHKey.GetByFingerprint(ctx, ssh.FingerprintLegacyMD5(spec.SSHKey))
		if err != nil {
			return cs, fmt.Errorf("look up ssh key: %w", p.convert(err))
		}
		if k != nil && (len(keys) == 0 || keys[0].ID != k.ID) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if !owned(k.Labels, spec) {
			cs = append(cs, ensure.Change{Kind: "ssh key", Name: k.Name, Op: ensure.Unchanged, Detail: "not ours: kept"})
			continue
		}
		err := p.again(ctx, func() error { _, err := p.api.SSHKey.Delete(ctx, k); return err })
		if err != nil && !isCode(err, "not_found") {
			return cs, fmt.Errorf("delete ssh key %q: %w", k.Name, err)
		}
		cs = append(cs, ensure.Change{Kind: "ssh key", Name: k.Name, Op: ensure.Deleted})
	}
	return cs, nil
}
