package robot

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/crypto/ssh"
)

// DefaultEndpoint is the Robot webservice.
const DefaultEndpoint = "https://robot-ws.your-server.de"

// DialFunc dials a network address; (*net.Dialer).DialContext is one.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

type config struct {
	endpoint     string
	hc           *http.Client
	log          *slog.Logger
	dial         DialFunc
	hostKeyCB    ssh.HostKeyCallback
	pinned       ssh.PublicKey
	number       int
	order        *Order
	pollMin      time.Duration
	pollMax      time.Duration
	retries      int
	retryBase    time.Duration
	maxRetryWait time.Duration
	sshAttempt   time.Duration
}

func newConfig(opts []Option) config {
	c := config{
		endpoint:     DefaultEndpoint,
		hc:           &http.Client{Timeout: 60 * time.Second},
		log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		dial:         (&net.Dialer{}).DialContext,
		pollMin:      2 * time.Second,
		pollMax:      30 * time.Second,
		retries:      3,
		retryBase:    time.Second,
		maxRetryWait: 30 * time.Second,
		sshAttempt:   10 * time.Second,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Option configures a Client or a Provider.
type Option func(*config)

// WithEndpoint sets the webservice's base URL (default DefaultEndpoint), e.g.
// a robottest simulator's URL.
func WithEndpoint(url string) Option { return func(c *config) { c.endpoint = url } }

// WithHTTPClient sets the HTTP client.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithLogger sets the logger; the default discards. The provider logs at
// Debug level and never logs the password.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithDialer sets how the SSH wait connects to the server (default
// net.Dialer). Tests and the sandbox map simulated addresses to loopback
// with it.
func WithDialer(d DialFunc) Option {
	return func(c *config) {
		if d != nil {
			c.dial = d
		}
	}
}

// WithHostKeyCallback shows the host key the server presents to cb, which
// accepts it by returning nil. knownhosts.New returns such a callback.
func WithHostKeyCallback(cb ssh.HostKeyCallback) Option {
	return func(c *config) { c.hostKeyCB = cb }
}

// WithPinnedHostKey accepts only key as the server's host key.
func WithPinnedHostKey(key ssh.PublicKey) Option { return func(c *config) { c.pinned = key } }

// WithServerNumber chooses the server by its Robot number instead of by
// Spec.Name. No order is ever placed for a numbered server.
func WithServerNumber(n int) Option { return func(c *config) { c.number = n } }

// WithOrder allows Ensure to order a server when none is named Spec.Name.
// Without it, a missing server is an error: ordering costs money.
func WithOrder(o Order) Option { return func(c *config) { c.order = &o } }

// WithPollInterval sets how often waits (firewall changes, orders, SSH)
// look again: starting at min, doubling up to max (defaults 2s and 30s).
func WithPollInterval(min, max time.Duration) Option {
	return func(c *config) {
		if min > 0 {
			c.pollMin = min
		}
		if max >= c.pollMin {
			c.pollMax = max
		}
	}
}

// WithRetry sets how often a failed read (a network error or a 5xx) and a
// rate-limited request with a short Retry-After are tried again, and the
// first pause (doubling after). Defaults: 3 retries, 1s. A refused login is
// never retried.
func WithRetry(retries int, base time.Duration) Option {
	return func(c *config) {
		if retries >= 0 {
			c.retries = retries
		}
		if base > 0 {
			c.retryBase = base
		}
	}
}

// WithSSHAttemptTimeout bounds each SSH connection attempt (default 10s).
func WithSSHAttemptTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.sshAttempt = d
		}
	}
}
