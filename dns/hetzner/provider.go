package hetzner

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/internal/hcloudx"
	"github.com/assemblekit/assemble/internal/prime"
	"github.com/assemblekit/assemble/secret"
)

// DefaultEndpoint is Hetzner Cloud's API, where Hetzner DNS lives.
const DefaultEndpoint = "https://api.hetzner.cloud/v1"

var (
	_ dns.Provider  = (*Provider)(nil)
	_ dns.Planner   = (*Provider)(nil)
	_ dns.Destroyer = (*Provider)(nil)
)

// Provider manages DNS records in Hetzner DNS zones. It is safe for
// concurrent use.
type Provider struct {
	token secret.Value
	cfg   config
	// api retries reads (hcloud-go's policy: conflict, bad gateway,
	// timeouts).
	api *hcloud.Client
	// once never retries: mutating calls, after which the provider looks
	// again instead.
	once *hcloud.Client

	// primed holds the zones Validate found, for the Ensure that follows.
	primed prime.Cache[primeKey, *hcloud.Zone]
}

type config struct {
	endpoint   string
	httpClient *http.Client
	logger     *slog.Logger
	verify     bool
	verifyOpts []dns.VerifyOption
	pollMin    time.Duration
	pollMax    time.Duration
	retries    int
	retryBase  time.Duration
	rateWait   time.Duration
	rateTries  int
	attempts   int
}

// Option configures a Provider.
type Option func(*config)

// WithEndpoint sets the API base URL including /v1 (DefaultEndpoint by
// default); point it at hetznertest.Server.URL() in tests.
func WithEndpoint(url string) Option { return func(c *config) { c.endpoint = url } }

// WithHTTPClient sets the HTTP client; its transport is wrapped to wait out
// 429 answers.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithLogger sets the logger; the provider logs at Debug. Discarding by
// default.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithVerify makes Ensure (the default) check the record at the zone's
// authoritative nameservers before returning, with opts (for instance
// dns.WithNameserverAddrs, dns.WithTimeout).
func WithVerify(opts ...dns.VerifyOption) Option {
	return func(c *config) { c.verify, c.verifyOpts = true, append(c.verifyOpts, opts...) }
}

// WithoutVerify makes Ensure return as soon as the API holds the record.
func WithoutVerify() Option { return func(c *config) { c.verify = false } }

// WithPollInterval sets how action waits poll: from min, growing to max
// (defaults 500ms and 5s).
func WithPollInterval(min, max time.Duration) Option {
	return func(c *config) { c.pollMin, c.pollMax = min, max }
}

// WithRetry sets how often failed reads are retried by hcloud-go and how
// often Ensure looks again and retries after a failed change, and the first
// backoff (defaults 3 and 1s, doubling). Changes are never sent twice
// without a look in between.
func WithRetry(maxRetries int, base time.Duration) Option {
	return func(c *config) { c.retries, c.retryBase = maxRetries, base }
}

// WithRateLimitWait bounds how long one 429 is waited out (default 60s) and
// how many 429s in a row one request waits out (default 10).
func WithRateLimitWait(maxWait time.Duration, maxTries int) Option {
	return func(c *config) { c.rateWait, c.rateTries = maxWait, maxTries }
}

// New returns a Provider that authenticates with an API token of the
// project holding the zones (read and write).
func New(token secret.Value, opts ...Option) *Provider {
	c := config{
		endpoint: DefaultEndpoint, verify: true,
		pollMin: 500 * time.Millisecond, pollMax: 5 * time.Second,
		retries: 3, retryBase: time.Second,
		rateWait: 60 * time.Second, rateTries: 10,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c.attempts = max(1, c.retries+1)

	hc := &http.Client{}
	if c.httpClient != nil {
		cp := *c.httpClient
		hc = &cp
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &hcloudx.RateLimitTransport{Base: base, MaxTries: c.rateTries, MaxWait: c.rateWait, Logger: c.logger}

	backoff := hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{Base: c.retryBase, Multiplier: 2, Cap: 30 * time.Second, Jitter: true})
	poll := hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{Base: c.pollMin, Multiplier: 1.5, Cap: c.pollMax})
	common := []hcloud.ClientOption{
		hcloud.WithToken(token.Reveal()),
		hcloud.WithEndpoint(c.endpoint),
		hcloud.WithHTTPClient(hc),
		hcloud.WithApplication("assemble", "v0"),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: poll}),
	}
	return &Provider{
		token: token,
		cfg:   c,
		// MaxRetries must be set: RetryOpts without it means none.
		api:  hcloud.NewClient(append(common, hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: backoff, MaxRetries: c.retries}))...),
		once: hcloud.NewClient(append(common, hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: backoff, MaxRetries: 0}))...),
	}
}

func (p *Provider) debug(ctx context.Context, msg string, args ...any) {
	p.cfg.logger.DebugContext(ctx, msg, args...)
}
