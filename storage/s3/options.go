package s3

import (
	"io"
	"log/slog"
	"net/http"
)

type options struct {
	endpoint   string
	transport  http.RoundTripper
	logger     *slog.Logger
	pathStyle  bool
	insecure   bool
	maxRetries int
	publicURL  string
}

// Option configures a Provider.
type Option func(*options)

// WithEndpoint replaces the preset's endpoint URL (scheme://host[:port]), for
// example to point a Hetzner preset at a simulator. Plain http is accepted
// for loopback hosts; elsewhere it needs WithInsecure. A replaced endpoint is
// addressed path-style.
func WithEndpoint(endpoint string) Option { return func(o *options) { o.endpoint = endpoint } }

// WithHTTPClient uses c's Transport for every request (minio-go takes a
// transport, not a client; c's Timeout is not used, use ctx deadlines).
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) {
		if c != nil && c.Transport != nil {
			o.transport = c.Transport
		}
	}
}

// WithTransport uses rt for every request.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithLogger logs at Debug level what the provider reads and writes (never a
// secret). The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithPathStyle addresses buckets as endpoint/bucket, and tells the app to do
// the same (S3_FORCE_PATH_STYLE=true).
func WithPathStyle() Option { return func(o *options) { o.pathStyle = true } }

// WithInsecure allows a plain-http endpoint that is not on loopback (a MinIO
// on a private network). Credentials are then signed but the data travels in
// clear.
func WithInsecure() Option { return func(o *options) { o.insecure = true } }

// WithMaxRetries sets how often minio-go retries a failed request (transient
// network errors, 5xx, SlowDown); 0 keeps minio-go's default of 10, a negative
// value turns retries off.
func WithMaxRetries(n int) Option { return func(o *options) { o.maxRetries = n } }

// WithPublicURL sets the base URL under which public objects are served (a
// CDN, an r2.dev or custom domain), instead of the one derived from the
// endpoint.
func WithPublicURL(base string) Option { return func(o *options) { o.publicURL = base } }

func defaultOptions() options {
	return options{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}
