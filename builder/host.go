package builder

import (
	"context"
	"net"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
)

// Host is how to reach the builder host over SSH.
type Host struct {
	// Addr is host:port.
	Addr string
	// User is the login user: root, or a user with passwordless sudo.
	User string
	// HostKey is the host's public key, pinned: a host presenting another
	// key is refused before any command runs. Required unless
	// HostKeyCallback is set.
	HostKey ssh.PublicKey
	// HostKeyCallback verifies the host key when no key is pinned, e.g. from
	// known_hosts.
	HostKeyCallback ssh.HostKeyCallback
	// Signer is the private key authorized on the host.
	Signer ssh.Signer
	// Agent offers an SSH agent's keys, with or instead of Signer.
	Agent agent.ExtendedAgent
	// Dial opens the TCP connection; the standard dialer when nil.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (h Host) validate() error {
	if h.Signer == nil && h.Agent == nil {
		return ensure.Invalid("builder.host.signer", "", "no private key and no agent", "pass the SSH key authorized on the host")
	}
	return h.config(nil).Validate()
}

func (h Host) config(o *options) sshx.Config {
	c := sshx.Config{
		Addr:            h.Addr,
		User:            h.User,
		HostKey:         h.HostKey,
		HostKeyCallback: h.HostKeyCallback,
		Agent:           h.Agent,
		Dial:            h.Dial,
	}
	if h.Signer != nil {
		c.Signers = []ssh.Signer{h.Signer}
	}
	if o != nil {
		c.Logger = o.log
	}
	return c
}

// Remote returns Kamal's builder remote for the host:
// ssh://user@host, with :port unless it is 22.
func (h Host) Remote() string {
	host, port, err := net.SplitHostPort(h.Addr)
	if err != nil {
		return "ssh://" + h.User + "@" + h.Addr
	}
	if port == "22" {
		if net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil {
			return "ssh://" + h.User + "@[" + host + "]"
		}
		return "ssh://" + h.User + "@" + host
	}
	return "ssh://" + h.User + "@" + net.JoinHostPort(host, port)
}
