package hetzner

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

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
	if err := p.checkSpec(spec); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	pr, _, lookErr := p.readWorld(ctx, spec, "")
	w := &world{spec: spec}
	if err := p.fromRead(ctx, w, pr); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	if lookErr != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, lookErr)
	}
	// The login key isn't known yet (the recipe makes it after the
	// preflight), so its conflict is left to Ensure: only the firewall and
	// the server can be found to be someone else's here.
	w.key = w.keyByName
	if err := w.conflicts(); err != nil {
		return fmt.Errorf("check server %q: %w", spec.Name, err)
	}
	p.primed.Put(primeKey(spec), pr)
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

var _ server.Validator = (*Provider)(nil)
