package sshx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Client is one authenticated SSH connection. Run may be called from several
// goroutines; each call opens its own session on the shared connection.
type Client struct {
	addr    string
	user    string
	conn    *ssh.Client
	log     *slog.Logger
	hostKey ssh.PublicKey

	closeOnce sync.Once
	closeErr  error
}

// Dial connects to cfg.Addr, verifies the host key and authenticates. A host
// key that doesn't verify fails with a *HostKeyError before any session is
// opened. ctx bounds the TCP connect and the handshake.
//
// With a pinned HostKey, Dial asks the host for that key's algorithm. With a
// HostKeyCallback that refuses a key whose type it has nothing recorded for
// (KnownHosts, TrustOnFirstUse, a knownhosts callback), Dial reconnects once,
// asking only for the recorded key types in OpenSSH's order, so a host with
// ed25519, ECDSA and RSA keys is verified against whichever of them is
// known. A key of a recorded type that differs is refused at once.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.Addr, err)
	}
	log := cfg.logger()
	dial := cfg.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}

	check := cfg.HostKeyCallback
	if check == nil {
		check = Pinned(cfg.HostKey)
	}
	var auth []ssh.AuthMethod
	if len(cfg.Signers) > 0 {
		auth = append(auth, ssh.PublicKeys(cfg.Signers...))
	}
	if cfg.Agent != nil {
		auth = append(auth, ssh.PublicKeysCallback(cfg.Agent.Signers))
	}
	var algos []string
	if cfg.HostKey != nil && cfg.HostKeyCallback == nil {
		// Ask for the pinned key's algorithm first, so a host with several
		// keys presents the one we know.
		algos = hostKeyAlgorithms(cfg.HostKey)
	}

	start := time.Now()
	conn, seen, err := handshake(ctx, cfg, dial, check, auth, algos)
	if algos == nil && err != nil {
		// The host offered a key of a type nothing is recorded for (Go asks
		// for ECDSA and RSA before ed25519): reconnect once asking only for
		// the recorded types, as OpenSSH orders them from known_hosts.
		if retry := retryAlgorithms(err, seen); retry != nil {
			log.Debug("ssh host key of unknown type, reconnecting", "addr", cfg.Addr,
				"presented", seen.Type(), "host_key_algorithms", retry)
			first := err
			conn, seen, err = handshake(ctx, cfg, dial, check, auth, retry)
			var ne *ssh.AlgorithmNegotiationError
			if errors.As(err, &ne) {
				// The host has no key of any recorded type: the first
				// refusal is the truthful one.
				err = first
			}
		}
	}
	if err != nil {
		var he *HostKeyError
		if errors.As(err, &he) {
			log.Debug("ssh host key refused", "addr", cfg.Addr, "want", he.Want, "got", he.Got)
			return nil, he
		}
		return nil, err
	}
	log.Debug("ssh connected", "addr", cfg.Addr, "user", cfg.User, "host_key", ssh.FingerprintSHA256(seen), "elapsed", time.Since(start))
	return &Client{
		addr:    cfg.Addr,
		user:    cfg.User,
		conn:    conn,
		log:     log,
		hostKey: seen,
	}, nil
}

// handshake dials once and runs the SSH handshake with host-key algorithms
// algos (Go's default order when nil). It returns the key the host presented
// even when the handshake failed, so that Dial can decide to retry.
func handshake(ctx context.Context, cfg Config, dial func(context.Context, string, string) (net.Conn, error),
	check ssh.HostKeyCallback, auth []ssh.AuthMethod, algos []string) (*ssh.Client, ssh.PublicKey, error) {
	var presented ssh.PublicKey
	sc := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              auth,
		HostKeyAlgorithms: algos,
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			presented = key
			if err := check(hostname, remote, key); err != nil {
				var he *HostKeyError
				if errors.As(err, &he) && he.Addr == "" {
					he.Addr = cfg.Addr
				}
				return err
			}
			return nil
		},
	}
	conn, err := dial(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", cfg.Addr, err)
	}
	// NewClientConn takes no context: a deadline bounds it, and a
	// cancelled ctx closes the socket under it.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, cfg.Addr, sc)
	if !stop() {
		if err == nil {
			_ = c.Close()
		}
		return nil, presented, fmt.Errorf("dial %s: %w", cfg.Addr, context.Cause(ctx))
	}
	if err != nil {
		_ = conn.Close()
		var he *HostKeyError
		if errors.As(err, &he) {
			return nil, presented, err
		}
		return nil, presented, fmt.Errorf("dial %s as %s: %w", cfg.Addr, cfg.User, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), presented, nil
}

// Addr returns the host:port the client is connected to.
func (c *Client) Addr() string { return c.addr }

// User returns the login user.
func (c *Client) User() string { return c.user }

// HostKey returns the key the host presented, after it was verified.
func (c *Client) HostKey() ssh.PublicKey { return c.hostKey }

// Alive sends a keepalive request and reports whether the host answered
// within timeout.
func (c *Client) Alive(timeout time.Duration) bool {
	done := make(chan error, 1)
	go func() {
		_, _, err := c.conn.SendRequest("keepalive@openssh.com", true, nil)
		done <- err
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err == nil
	case <-t.C:
		return false
	}
}

// Close closes the connection; sessions still running are cut.
func (c *Client) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.conn.Close() })
	return c.closeErr
}
