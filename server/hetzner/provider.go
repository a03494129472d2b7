package hetzner

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/internal/hcloudx"
	"github.com/assemblekit/assemble/internal/prime"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
)

// DefaultEndpoint is Hetzner Cloud's API.
const DefaultEndpoint = "https://api.hetzner.cloud/v1"

// The default waits. Action waits poll when the actions' progress says
// they will be done, between DefaultPollMin and DefaultPollMax; SSH is tried
// every DefaultSSHMin, doubling up to DefaultSSHMax. A cap of 2 s on SSH
// notices a server that just came up within a second on average, while a
// boot of 30 s costs about 16 attempts — under one every 2 s in all, with
// the action wait's handful of polls.
const (
	DefaultPollMin = 500 * time.Millisecond
	DefaultPollMax = 5 * time.Second
	DefaultSSHMin  = time.Second
	DefaultSSHMax  = 2 * time.Second
)

var (
	_ server.Provider  = (*Provider)(nil)
	_ server.Planner   = (*Provider)(nil)
	_ server.Destroyer = (*Provider)(nil)
	_ server.Estimator = (*Provider)(nil)
)

// Provider makes servers on Hetzner Cloud. It is safe for concurrent use.
type Provider struct {
	token secret.Value
	cfg   config
	// api has hcloud-go's retries on: reads and idempotent changes (set
	// rules, labels, deletes — a repeated delete answers not_found, which
	// counts as done).
	api *hcloud.Client
	// once has no hcloud-go retries: creates and power actions, which are
	// looked for, never repeated blindly.
	once *hcloud.Client

	// primed is what Validate read, for the Ensure that follows.
	primed prime.Cache[string, *primed]
}

type config struct {
	endpoint   string
	httpClient *http.Client
	logger     *slog.Logger
	pollMin    time.Duration
	pollMax    time.Duration
	retries    int
	retryBase  time.Duration
	rateWait   time.Duration
	rateTries  int
	dial       server.DialFunc
	sshTimeout time.Duration
	sshAttempt time.Duration
	sshMin     time.Duration
	sshMax     time.Duration
	sshSigner  ssh.Signer
	skipSSH    bool
	sshPort    string
	now        func() time.Time
}

// Option configures a Provider.
type Option func(*config)

// WithEndpoint sets the API base URL, including /v1 (default DefaultEndpoint);
// point it at hetznertest.Server.URL() in tests.
func WithEndpoint(url string) Option { return func(c *config) { c.endpoint = url } }

// WithHTTPClient sets the HTTP client. Its transport is wrapped to wait out
// rate limits.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithLogger sets the logger; the provider logs at Debug level. Default:
// discard.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithPollInterval bounds how action and status waits poll (defaults
// DefaultPollMin and DefaultPollMax). An action wait polls when the
// actions' reported progress says they will be done, never sooner than min
// nor later than max; without progress, and for status waits, it starts at
// min and backs off up to max.
func WithPollInterval(min, max time.Duration) Option {
	return func(c *config) { c.pollMin, c.pollMax = min, max }
}

// WithRetry sets how often transient failures (network errors, 502, 504,
// conflict, rate limits) are tried again, and the first backoff (defaults 5
// and 1s, doubling, capped at 60s). Reads are retried by hcloud-go; creates
// are retried by the provider, only after it has looked for what it was
// creating.
func WithRetry(maxRetries int, base time.Duration) Option {
	return func(c *config) { c.retries, c.retryBase = maxRetries, base }
}

// WithRateLimitWait bounds how long one 429 is waited out (default 60s) and
// how many 429s in a row one request waits out (default 10).
func WithRateLimitWait(maxWait time.Duration, maxTries int) Option {
	return func(c *config) { c.rateWait, c.rateTries = maxWait, maxTries }
}

// WithDialer sets how the SSH wait connects (default net.Dialer). The sandbox
// maps simulated server addresses to its simulated hosts with it.
func WithDialer(d func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = d }
}

// WithSSHTimeout bounds the wait for SSH after the server runs (default
// 5m) and each connection attempt (default 10s).
func WithSSHTimeout(total, attempt time.Duration) Option {
	return func(c *config) { c.sshTimeout, c.sshAttempt = total, attempt }
}

// WithSSHBackoff sets the pause between SSH attempts: min doubling up to
// max (defaults DefaultSSHMin and DefaultSSHMax).
func WithSSHBackoff(min, max time.Duration) Option {
	return func(c *config) { c.sshMin, c.sshMax = min, max }
}

// WithSSHLogin makes the SSH wait also log in with signer (the private half
// of Spec.SSHKey), proving the login key works.
func WithSSHLogin(signer ssh.Signer) Option { return func(c *config) { c.sshSigner = signer } }

// WithSSHPort sets the port SSH is reached on (default "22"); Server.SSHAddr
// carries it.
func WithSSHPort(port string) Option { return func(c *config) { c.sshPort = port } }

// WithoutSSHWait skips the SSH wait: Ensure returns once the server runs,
// with Server.HostKey nil. For callers that verify SSH themselves.
func WithoutSSHWait() Option { return func(c *config) { c.skipSSH = true } }

// New returns a Provider that authenticates with token.
func New(token secret.Value, opts ...Option) *Provider {
	c := config{
		endpoint:   DefaultEndpoint,
		pollMin:    DefaultPollMin,
		pollMax:    DefaultPollMax,
		retries:    5,
		retryBase:  time.Second,
		rateWait:   60 * time.Second,
		rateTries:  10,
		sshTimeout: 5 * time.Minute,
		sshAttempt: 10 * time.Second,
		sshMin:     DefaultSSHMin,
		sshMax:     DefaultSSHMax,
		sshPort:    "22",
		now:        time.Now,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.dial == nil {
		c.dial = (&net.Dialer{}).DialContext
	}
	p := &Provider{token: token, cfg: c}

	hc := &http.Client{}
	if c.httpClient != nil {
		cp := *c.httpClient
		hc = &cp
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &hcloudx.RateLimitTransport{Base: base, MaxTries: c.rateTries, MaxWait: c.rateWait, Now: c.now, Logger: c.logger}

	backoff := hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{
		Base: c.retryBase, Multiplier: 2, Cap: 60 * time.Second, Jitter: true,
	})
	poll := hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{
		Base: c.pollMin, Multiplier: 1.5, Cap: c.pollMax,
	})
	common := []hcloud.ClientOption{
		hcloud.WithToken(token.Reveal()),
		hcloud.WithEndpoint(c.endpoint),
		hcloud.WithHTTPClient(hc),
		hcloud.WithApplication("assemble", "v0"),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: poll}),
	}
	// MaxRetries must be set: RetryOpts without it means zero retries.
	p.api = hcloud.NewClient(append(common, hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: backoff, MaxRetries: c.retries}))...)
	p.once = hcloud.NewClient(append(common, hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: backoff, MaxRetries: 0}))...)
	return p
}

func (p *Provider) scrub(s string) string { return secret.Scrub(s, p.token) }

func (p *Provider) debug(msg string, args ...any) { p.cfg.logger.Debug(msg, args...) }
