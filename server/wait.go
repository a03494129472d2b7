package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
)

// DialFunc dials a network address; net.Dialer.DialContext is one.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

type waitConfig struct {
	dial        DialFunc
	user        string
	signer      ssh.Signer
	attempt     time.Duration
	minInterval time.Duration
	maxInterval time.Duration
	what        string
	algos       []string
}

// WaitOption configures WaitSSH.
type WaitOption func(*waitConfig)

// WithDial sets how WaitSSH connects (default net.Dialer). Tests and the
// sandbox map simulated addresses to loopback with it.
func WithDial(d DialFunc) WaitOption {
	return func(c *waitConfig) {
		if d != nil {
			c.dial = d
		}
	}
}

// WithLogin makes WaitSSH also log in as user with signer, proving the login
// key is installed. Without it the wait ends once the host key is verified.
func WithLogin(user string, signer ssh.Signer) WaitOption {
	return func(c *waitConfig) { c.user, c.signer = user, signer }
}

// WithAttemptTimeout bounds each connection attempt (default 10s).
func WithAttemptTimeout(d time.Duration) WaitOption {
	return func(c *waitConfig) {
		if d > 0 {
			c.attempt = d
		}
	}
}

// WithBackoff sets the pause between attempts: it starts at min and doubles
// up to max (defaults 1s and 10s).
func WithBackoff(min, max time.Duration) WaitOption {
	return func(c *waitConfig) {
		if min > 0 {
			c.minInterval = min
		}
		if max >= c.minInterval {
			c.maxInterval = max
		}
	}
}

// WithHostKeyAlgorithms sets the host key algorithms offered, in order of
// preference. The default prefers ssh-ed25519, the type assemble pins, so a
// host that also has ECDSA or RSA keys presents the ed25519 one; set it when
// the pinned key is of another type (WaitSSHKey does this by itself).
func WithHostKeyAlgorithms(algos ...string) WaitOption {
	return func(c *waitConfig) { c.algos = algos }
}

// WithWhat names what is waited for in progress reports (default the address).
func WithWhat(what string) WaitOption {
	return func(c *waitConfig) { c.what = what }
}

// WaitSSH waits until SSH at addr answers with the host key whose
// fingerprint ("SHA256:…", as ssh.FingerprintSHA256 prints) is pinned, and
// returns that key. Connection failures are retried with backoff until ctx
// ends (then the error wraps ensure.ErrTimeout or ctx's error); a host that
// presents a different key fails at once with *HostKeyMismatchError, without
// authenticating. Progress goes to ensure.Report.
func WaitSSH(ctx context.Context, addr, pinned string, opts ...WaitOption) (ssh.PublicKey, error) {
	c := waitConfig{
		dial:        (&net.Dialer{}).DialContext,
		attempt:     10 * time.Second,
		minInterval: time.Second,
		maxInterval: 10 * time.Second,
		what:        addr,
		algos: []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
			ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256},
	}
	for _, o := range opts {
		o(&c)
	}
	if !strings.HasPrefix(pinned, "SHA256:") {
		return nil, ensure.Invalid("host key fingerprint", pinned, `not a "SHA256:…" fingerprint`, "pin the key the server was created with")
	}
	start := time.Now()
	interval := c.minInterval
	var last error
	for attempt := 1; ; attempt++ {
		key, err := c.try(ctx, addr, pinned)
		if err == nil {
			return key, nil
		}
		var mm *HostKeyMismatchError
		if errors.As(err, &mm) || errors.Is(err, ensure.ErrUnauthorized) {
			return nil, err
		}
		last = err
		ensure.Report(ctx, "waiting for SSH on %s (attempt %d, %s): %v", c.what, attempt, time.Since(start).Round(time.Second), err)
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			werr := ctx.Err()
			if errors.Is(werr, context.DeadlineExceeded) {
				werr = ensure.ErrTimeout
			}
			return nil, fmt.Errorf("wait for SSH on %s: %w (last attempt: %v)", c.what, werr, last)
		case <-t.C:
		}
		interval = min(interval*2, c.maxInterval)
	}
}

// WaitSSHKey is WaitSSH for a host key known in full: only the key's own
// algorithm is offered.
func WaitSSHKey(ctx context.Context, addr string, hostKey ssh.PublicKey, opts ...WaitOption) error {
	algos := []string{hostKey.Type()}
	if hostKey.Type() == ssh.KeyAlgoRSA {
		algos = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	opts = append([]WaitOption{WithHostKeyAlgorithms(algos...)}, opts...)
	_, err := WaitSSH(ctx, addr, ssh.FingerprintSHA256(hostKey), opts...)
	return err
}

var (
	errVerified = errors.New("host key verified")
)

func (c *waitConfig) try(ctx context.Context, addr, pinned string) (ssh.PublicKey, error) {
	actx, cancel := context.WithTimeout(ctx, c.attempt)
	defer cancel()
	conn, err := c.dial(actx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(actx, func() { conn.Close() })
	defer stop()

	var presented ssh.PublicKey
	var mismatch *HostKeyMismatchError
	cfg := &ssh.ClientConfig{
		User:              c.user,
		Timeout:           c.attempt,
		HostKeyAlgorithms: c.algos,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			fp := ssh.FingerprintSHA256(key)
			if fp != pinned {
				mismatch = &HostKeyMismatchError{Addr: addr, Want: pinned, Got: fp}
				return mismatch
			}
			presented = key
			if c.signer == nil {
				return errVerified // key exchange proved the key; no login needed
			}
			return nil
		},
	}
	if c.signer != nil {
		cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(c.signer)}
	}
	if cfg.User == "" {
		cfg.User = DefaultUser
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	switch {
	case mismatch != nil:
		return nil, mismatch
	case presented != nil && c.signer == nil:
		return presented, nil
	case err != nil && presented != nil:
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("ssh %s@%s: the host key is right but the login key was not accepted: %w: %v", cfg.User, addr, ensure.ErrUnauthorized, err)
		}
		return nil, err
	case err != nil:
		return nil, err
	}
	client := ssh.NewClient(sc, chans, reqs)
	_ = client.Close()
	return presented, nil
}
