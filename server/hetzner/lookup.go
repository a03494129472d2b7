package hetzner

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/server"
)

// Lookup returns the recipe's server as Ensure would return it, using reads
// only, or nil when it doesn't exist yet. It tries the SSH port once, within
// one attempt's timeout, to fetch the host key and check it against the
// pinned fingerprint; a server that doesn't answer yet comes back without
// HostKey. A plan uses Lookup so that the steps after the server (the DNS
// record, the builder) can plan against it.
func (p *Provider) Lookup(ctx context.Context, spec server.Spec) (*server.Server, error) {
	if spec.SSHKey == nil {
		spec.SSHKey = placeholderKey // the server's look-up doesn't depend on it
	}
	w, err := p.observe(ctx, spec, false)
	if err != nil {
		return nil, fmt.Errorf("look up server %q: %w", spec.Name, err)
	}
	if err := w.conflicts(); err != nil {
		return nil, fmt.Errorf("look up server %q: %w", spec.Name, err)
	}
	if w.srv == nil {
		return nil, nil
	}
	out := toServer(w.srv, w.spec, p.cfg.sshPort)
	if p.cfg.skipSSH || out.HostKeyFingerprint == "" || out.SSHAddr == "" {
		return out, nil
	}
	sshCtx, cancel := context.WithTimeout(ctx, p.cfg.sshAttempt)
	defer cancel()
	key, err := server.WaitSSH(sshCtx, out.SSHAddr, out.HostKeyFingerprint,
		server.WithDial(p.cfg.dial), server.WithAttemptTimeout(p.cfg.sshAttempt),
		server.WithWhat(fmt.Sprintf("server %q (%s)", spec.Name, out.SSHAddr)))
	if err == nil {
		out.HostKey = key
	}
	return out, nil
}

var _ server.Looker = (*Provider)(nil)
