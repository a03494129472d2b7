package static

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Ensure checks the host: the host key first (a mismatch is refused before
// login, so nothing runs on a host that is not the expected one), then the
// login, then "uname -m" for the architecture. It returns the host as a
// *server.Server — Name is spec.Name or the host part of the address; IPv4
// or IPv6 (as a /128) is the literal address given, or the one a DNS name
// resolved to — and always ensure.Unchanged: nothing is created or changed.
func (p *Provider) Ensure(ctx context.Context, spec server.Spec) (*server.Server, ensure.Op, error) {
	srv, err := p.check(ctx, spec)
	if err != nil {
		return nil, "", fmt.Errorf("ensure static host %q: %w", p.describe(spec), err)
	}
	return srv, ensure.Unchanged, nil
}

func (p *Provider) describe(spec server.Spec) string {
	addr := p.target.addr
	if addr == "" {
		addr = "?"
	}
	if spec.Name != "" {
		return spec.Name + " (" + addr + ")"
	}
	return addr
}
