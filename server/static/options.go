package static

import (
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/assemblekit/assemble/server"
)

// DefaultTimeout bounds one check of the host (connect, handshake, login and
// "uname -m") unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

// Option configures a Provider.
type Option func(*config)

type config struct {
	user       string
	hostKey    ssh.PublicKey
	hostKeyErr error // a WithHostKeyLine that did not parse
	knownHosts []string
	tofu       func(ssh.PublicKey) bool
	signers    []ssh.Signer
	agent      agent.Agent
	dial       server.DialFunc
	log        *slog.Logger
	timeout    time.Duration
}

func newConfig(opts []Option) config {
	c := config{
		log:     slog.New(slog.DiscardHandler),
		timeout: DefaultTimeout,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithUser sets the login user (default server.DefaultUser, "root").
// Spec.User, when set, must agree with it.
func WithUser(user string) Option { return func(c *config) { c.user = user } }

// WithHostKey pins the host's public key: only a host presenting exactly
// this key is logged in to.
func WithHostKey(key ssh.PublicKey) Option {
	return func(c *config) { c.hostKey, c.hostKeyErr = key, nil }
}

// WithHostKeyLine pins the host key given as text: an authorized_keys line
// ("ssh-ed25519 AAAA… comment", as in /etc/ssh/ssh_host_ed25519_key.pub) or
// a known_hosts line ("host ssh-ed25519 AAAA…", as ssh-keyscan prints it;
// its host names are not checked). A line that does not parse makes Ensure
// and Plan fail with ensure.ErrInvalidSpec.
func WithHostKeyLine(line string) Option {
	return func(c *config) {
		key, err := parseHostKeyLine(line)
		c.hostKey, c.hostKeyErr = key, err
	}
}

// WithKnownHosts checks the host key against OpenSSH known_hosts files
// (a leading "~/" means the home directory), the way ssh with
// StrictHostKeyChecking=yes does. A host the files don't know fails with a
// *HostKeyError unless WithTrustOnFirstUse is given too.
func WithKnownHosts(paths ...string) Option {
	return func(c *config) { c.knownHosts = append(c.knownHosts, paths...) }
}

// WithTrustOnFirstUse lets accept decide about a host key that nothing else
// vouches for: it is shown the key the host presents (after the key
// exchange, before any login attempt) and returns true to trust it. A refusal fails with a
// *HostKeyError. An accepted key is remembered by the Provider for that
// address, so a later call that meets another key there fails as a
// mismatch; to keep it across runs, pin Server.HostKey or write it with
// server.WriteKnownHosts.
func WithTrustOnFirstUse(accept func(key ssh.PublicKey) bool) Option {
	return func(c *config) { c.tofu = accept }
}

// WithSigner adds private keys to log in with. When the spec names an
// SSHKey, only the signer for that key is offered.
func WithSigner(signers ...ssh.Signer) Option {
	return func(c *config) {
		for _, s := range signers {
			if s != nil {
				c.signers = append(c.signers, s)
			}
		}
	}
}

// WithAgent lets an SSH agent sign the login (agent.NewClient over the
// connection to $SSH_AUTH_SOCK is one). Its keys are listed when Ensure
// runs; when the spec names an SSHKey, only that key is offered.
func WithAgent(a agent.Agent) Option { return func(c *config) { c.agent = a } }

// WithDialer sets how the TCP connection is opened (default net.Dialer).
// Tests and the sandbox map addresses to loopback with it.
func WithDialer(d server.DialFunc) Option {
	return func(c *config) {
		if d != nil {
			c.dial = d
		}
	}
}

// WithLogger sets the logger; the default discards. The provider logs at
// Debug level: addresses, fingerprints, commands and timings, never output
// or keys.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithTimeout bounds one check of the host: connecting, the handshake,
// login and "uname -m" (default DefaultTimeout). The context passed to
// Ensure or Plan may end it sooner.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// parseHostKeyLine reads an authorized_keys or known_hosts line.
func parseHostKeyLine(line string) (ssh.PublicKey, error) {
	if key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
		return key, nil
	}
	marker, _, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("not an authorized_keys or known_hosts line")
	}
	if marker != "" {
		return nil, fmt.Errorf("a @%s line does not pin a host key", marker)
	}
	return key, nil
}
