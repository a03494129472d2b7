package hetzner

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"golang.org/x/sync/errgroup"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Validate checks what Ensure would refuse before its first change: the
// token, the location, the server type (offered there, not deprecated, with
// spec.MinMemory), the image for the type's architecture, and that no
// server or firewall of the spec's name belongs to someone else. It sends
// reads only — the catalog and the look-ups of the key name, firewall and
// server, in one round — and keeps what it read for the Ensure that follows
// (see internal/prime), which then reads nothing it already knows. The
// Recipe calls it before any step changes anything.
func (p *Provider) Validate(ctx context.Context, spec server.Spec) error {
	if spec.SSHKey == nil {
		spec.SSHKey = placeholderKey // nothing read here depends on it
	}
	spec = spec.WithDefaults()
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	if p.token.IsZero() {
		return fmt.Errorf("check server %q: %w", spec.Name, ensure.Invalid("hetzner.token", "", "missing", "create an API token with read & write access in the Hetzner Cloud console (Security → API tokens)"))
	}
	var (
		pr primed
		g  errgroup.Group
	)
	p.readCatalog(ctx, &g, spec, &pr.r)
	g.Go(func() (err error) {
		if pr.keyByName, _, err = p.api.SSHKey.GetByName(ctx, spec.SSHKeyName); err != nil {
			return fmt.Errorf("look up ssh key %q: %w", spec.SSHKeyName, p.convert(err))
		}
		return nil
	})
	g.Go(func() (err error) {
		if pr.fw, _, err = p.api.Firewall.GetByName(ctx, spec.Name); err != nil {
			return fmt.Errorf("look up firewall %q: %w", spec.Name, p.convert(err))
		}
		return nil
	})
	g.Go(func() (err error) {
		if pr.srv, _, err = p.api.Server.GetByName(ctx, spec.Name); err != nil {
			return fmt.Errorf("look up server %q: %w", spec.Name, p.convert(err))
		}
		return nil
	})
	lookErr := g.Wait()
	w := &world{spec: spec, fw: pr.fw, srv: pr.srv}
	if err := p.preflight(ctx, w, pr.r); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	if lookErr != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, lookErr)
	}
	// The key isn't known yet (the recipe makes it after the preflight),
	// so only the firewall and the server can be someone else's here.
	w.key = pr.keyByName
	if err := w.conflicts(); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	p.primed.Put(primeKey(spec), &pr)
	return nil
}

// primed is what Validate read, kept for the Ensure that follows.
type primed struct {
	r         reads
	keyByName *hcloud.SSHKey
	fw        *hcloud.Firewall
	srv       *hcloud.Server
}

// primeKey names what a primed read depended on: everything of the spec
// but the login key, which Validate doesn't know.
func primeKey(spec server.Spec) string {
	spec = spec.WithDefaults()
	return strings.Join([]string{spec.Owner, spec.Name, spec.SSHKeyName, spec.Location, spec.Type, spec.Image, strconv.FormatInt(spec.MinMemory, 10)}, "\x00")
}

// readCatalog adds the catalog reads — location, server type, and the image
// by name for every architecture — to g.
func (p *Provider) readCatalog(ctx context.Context, g *errgroup.Group, spec server.Spec, r *reads) {
	g.Go(func() error {
		r.loc, _, r.locErr = p.api.Location.GetByName(ctx, spec.Location)
		return nil
	})
	g.Go(func() error {
		r.stype, _, r.stypeErr = p.api.ServerType.GetByName(ctx, spec.Type)
		return nil
	})
	g.Go(func() error {
		r.images, r.imagesErr = p.api.Image.AllWithOpts(ctx, hcloud.ImageListOpts{Name: spec.Image, IncludeDeprecated: true})
		return nil
	})
}

var _ server.Validator = (*Provider)(nil)
