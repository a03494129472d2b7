package static

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Plan runs Ensure's check — host key, login, "uname -m", all read-only —
// and returns one unchanged server change describing the host. It fails
// the way Ensure would.
func (p *Provider) Plan(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	srv, err := p.check(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("plan static host %q: %w", p.describe(spec), err)
	}
	return ensure.Changes{{
		Kind:   "server",
		Name:   srv.Name,
		Op:     ensure.Unchanged,
		Detail: fmt.Sprintf("existing host %s@%s, %s, host key %s", srv.User, srv.SSHAddr, srv.Arch, srv.HostKeyFingerprint),
	}}, nil
}
