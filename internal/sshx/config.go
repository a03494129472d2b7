package sshx

import (
	"context"
	"log/slog"
	"net"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/assemblekit/assemble/ensure"
)

// Config says how to reach and authenticate to one host.
type Config struct {
	// Addr is host:port.
	Addr string
	// User is the login user.
	User string
	// HostKey is the host's pinned public key. Required unless
	// HostKeyCallback is set.
	HostKey ssh.PublicKey
	// HostKeyCallback verifies the host key instead of HostKey, e.g.
	// KnownHosts(path) or TrustOnFirstUse(...), which the caller must ask
	// for explicitly.
	HostKeyCallback ssh.HostKeyCallback
	// Signers are the private keys offered for public-key auth.
	Signers []ssh.Signer
	// Agent, when set, offers the agent's keys too.
	Agent agent.ExtendedAgent
	// Dial opens the TCP connection; net.Dialer.DialContext when nil. Tests
	// and sandboxes inject one to map addresses to loopback.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger receives Debug lines (commands, exit codes, timings; never
	// output). Discarding when nil.
	Logger *slog.Logger
}

// Validate reports the first missing or contradictory field.
func (c Config) Validate() error {
	if c.Addr == "" {
		return ensure.Invalid("ssh.addr", "", "is empty", "set host:port")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return ensure.Invalid("ssh.addr", c.Addr, "is not host:port", "add the port, e.g. "+c.Addr+":22")
	}
	if c.User == "" {
		return ensure.Invalid("ssh.user", "", "is empty", "set the login user, e.g. root")
	}
	if c.HostKey == nil && c.HostKeyCallback == nil {
		return ensure.Invalid("ssh.host_key", "", "no host key pinned and no host key callback",
			"pin the key the server was created with, or pass KnownHosts(path)")
	}
	if len(c.Signers) == 0 && c.Agent == nil {
		return ensure.Invalid("ssh.signers", "", "no private key and no agent", "pass the key that is authorized on the host")
	}
	return nil
}

func (c Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

func (c Config) key() string { return c.User + "@" + c.Addr }
