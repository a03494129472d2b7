package hetzner

import (
	"context"
	"fmt"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"golang.org/x/sync/errgroup"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Validate checks what Ensure would refuse before its first change, against
// the vendor's catalog but nothing else: the token, the location, the server
// type (offered there, not deprecated, with spec.MinMemory), and the image
// for the type's architecture. It sends reads only — one round, all at
// once — and remembers a spec it passed, so a recipe run again doesn't ask
// again. The Recipe calls it before any step changes anything.
func (p *Provider) Validate(ctx context.Context, spec server.Spec) error {
	if spec.SSHKey == nil {
		spec.SSHKey = placeholderKey // the catalog doesn't depend on it
	}
	spec = spec.WithDefaults()
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	if p.token.IsZero() {
		return fmt.Errorf("check server %q: %w", spec.Name, ensure.Invalid("hetzner.token", "", "missing", "create an API token with read & write access in the Hetzner Cloud console (Security → API tokens)"))
	}
	key := fmt.Sprintf("%s|%s|%s|%d", spec.Location, spec.Type, spec.Image, spec.MinMemory)
	p.validMu.Lock()
	ok := p.valid[key]
	p.validMu.Unlock()
	if ok {
		return nil
	}
	var (
		r reads
		g errgroup.Group
	)
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
	_ = g.Wait()
	if err := p.preflight(ctx, &world{spec: spec}, r); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	p.validMu.Lock()
	if p.valid == nil {
		p.valid = map[string]bool{}
	}
	p.valid[key] = true
	p.validMu.Unlock()
	return nil
}

var _ server.Validator = (*Provider)(nil)
