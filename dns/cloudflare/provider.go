package cloudflare

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	cfdns "github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/internal/prime"
	"github.com/assemblekit/assemble/secret"
)

// DefaultBaseURL is Cloudflare's API base URL.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

// Provider manages DNS records on Cloudflare. It is safe for concurrent use.
type Provider struct {
	token   secret.Value
	opts    options
	zones   *zones.ZoneService
	records *cfdns.RecordService
	http    *http.Client

	mu       sync.Mutex
	verified bool // the token verified once; it is not asked again

	// primed holds the zones Validate found, for the Ensure that follows.
	primed prime.Cache[primeKey, zoneInfo]
}

var (
	_ dns.Provider  = (*Provider)(nil)
	_ dns.Planner   = (*Provider)(nil)
	_ dns.Destroyer = (*Provider)(nil)
)

// Option configures a Provider.
type Option func(*options)

type options struct {
	baseURL        string
	httpClient     *http.Client
	logger         *slog.Logger
	verify         bool
	verifyOpts     []dns.VerifyOption
	maxRetries     int
	requestTimeout time.Duration
	createAttempts int
	maxRetryWait   time.Duration
}

// WithBaseURL sets the API base URL, including /client/v4; DefaultBaseURL by
// default. Point it at cloudflaretest.Server.URL in tests.
func WithBaseURL(u string) Option { return func(o *options) { o.baseURL = u } }

// WithHTTPClient sets the HTTP client; a fresh one by default.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithLogger sets the logger; the provider logs at Debug. Discarding by
// default.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithVerify makes Ensure (the default) check the record at the zone's
// authoritative nameservers before returning, with opts (for instance
// dns.WithNameserverAddrs, dns.WithTimeout).
func WithVerify(opts ...dns.VerifyOption) Option {
	return func(o *options) { o.verify, o.verifyOpts = true, append(o.verifyOpts, opts...) }
}

// WithoutVerify makes Ensure return as soon as the API holds the record.
func WithoutVerify() Option { return func(o *options) { o.verify = false } }

// WithMaxRetries sets how often reads, updates and deletes are retried on
// 408/409/429/5xx and network errors (honouring Retry-After); 2 by default.
// Creates are never retried by the SDK.
func WithMaxRetries(n int) Option { return func(o *options) { o.maxRetries = n } }

// WithRequestTimeout bounds each HTTP request; 30 s by default.
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.requestTimeout = d } }

// WithCreateAttempts sets how many times Ensure tries to create a record,
// looking for it again between attempts; 3 by default.
func WithCreateAttempts(n int) Option { return func(o *options) { o.createAttempts = n } }

// New returns a Provider that authenticates with an API token (Zone:Read and
// DNS:Edit on the zone).
func New(token secret.Value, opts ...Option) *Provider {
	o := options{
		baseURL:        DefaultBaseURL,
		verify:         true,
		maxRetries:     2,
		requestTimeout: 30 * time.Second,
		createAttempts: 3,
		maxRetryWait:   5 * time.Minute,
	}
	for _, f := range opts {
		f(&o)
	}
	if o.httpClient == nil {
		o.httpClient = &http.Client{}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.createAttempts < 1 {
		o.createAttempts = 1
	}
	// Explicit options only: cloudflare.NewClient would add CLOUDFLARE_*
	// environment variables to these.
	base := []option.RequestOption{
		option.WithBaseURL(o.baseURL),
		option.WithHTTPClient(o.httpClient),
		option.WithAPIToken(token.Reveal()),
		option.WithMaxRetries(o.maxRetries),
		option.WithRequestTimeout(o.requestTimeout),
	}
	return &Provider{
		token:   token,
		opts:    o,
		zones:   zones.NewZoneService(base...),
		records: cfdns.NewRecordService(base...),
		http:    o.httpClient,
	}
}

func (p *Provider) debug(ctx context.Context, msg string, args ...any) {
	p.opts.logger.DebugContext(ctx, msg, args...)
}
