package static

import (
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/server"
)

// Provider is a host you already have, as a server.Provider. It is safe
// for concurrent use.
type Provider struct {
	target  target
	addrErr error
	cfg     config

	mu sync.Mutex
	// accepted is the key a trust-on-first-use callback accepted.
	accepted ssh.PublicKey
}

var (
	_ server.Provider  = (*Provider)(nil)
	_ server.Planner   = (*Provider)(nil)
	_ server.Destroyer = (*Provider)(nil)
)

// New returns a provider for the host at addr: "host" or "host:port"
// (DefaultPort when it names none), a literal IPv4 or IPv6 address or a DNS
// name. An address that can't work makes Ensure and Plan fail with
// ensure.ErrInvalidSpec naming "static.addr". The host key must be given
// with WithHostKey, WithHostKeyLine or WithKnownHosts, or trusted on first
// use through WithTrustOnFirstUse; the login key with WithSigner or
// WithAgent.
func New(addr string, opts ...Option) *Provider {
	t, err := parseAddr(addr)
	return &Provider{target: t, addrErr: err, cfg: newConfig(opts)}
}

// Addr returns the host:port the provider connects to (empty when the
// address given to New is invalid).
func (p *Provider) Addr() string { return p.target.addr }

func (p *Provider) acceptedKey() ssh.PublicKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// accept records a key the callback trusted. When two calls race, the
// first one wins and the other must match it.
func (p *Provider) accept(key ssh.PublicKey) ssh.PublicKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.accepted == nil {
		p.accepted = key
	}
	return p.accepted
}
