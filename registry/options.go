package registry

import (
	"io"
	"log/slog"
	"net/http"
	"time"
)

// DefaultPasswordSecret is the secret name Kamal's registry.password refers
// to.
const DefaultPasswordSecret = "KAMAL_REGISTRY_PASSWORD"

// Option configures Ensure and Plan.
type Option func(*options)

type options struct {
	rt             http.RoundTripper
	timeout        time.Duration
	logger         *slog.Logger
	attempts       int
	backoff        time.Duration
	passwordSecret string
	uploadCheck    bool
	proof          *Proof
	now            func() time.Time
}

func newOptions(opts []Option) options {
	o := options{
		rt:             http.DefaultTransport,
		timeout:        30 * time.Second,
		logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		attempts:       3,
		backoff:        500 * time.Millisecond,
		passwordSecret: DefaultPasswordSecret,
		now:            time.Now,
	}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithTransport sets the HTTP transport the checks use
// (http.DefaultTransport by default).
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) {
		if rt != nil {
			o.rt = rt
		}
	}
}

// WithHTTPClient uses c's transport, and c's Timeout (when set) as the limit
// of each attempt. Other client settings don't apply: the registry protocol
// needs its own redirect and authentication handling.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) {
		if c == nil {
			return
		}
		if c.Transport != nil {
			o.rt = c.Transport
		}
		if c.Timeout > 0 {
			o.timeout = c.Timeout
		}
	}
}

// WithTimeout limits each attempt (30 s by default).
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithLogger sets the logger; providers log at Debug level and never log
// secrets. Logging is discarded by default.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithRetry sets how many attempts a check makes when the registry is
// briefly unavailable or rate limiting (3 by default) and the first wait
// between them (500 ms, doubling). Refused credentials are never retried.
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(o *options) {
		if attempts > 0 {
			o.attempts = attempts
		}
		if backoff >= 0 {
			o.backoff = backoff
		}
	}
}

// WithPasswordSecret sets the secret name Login.PasswordSecret carries
// (DefaultPasswordSecret by default).
func WithPasswordSecret(name string) Option {
	return func(o *options) {
		if name != "" {
			o.passwordSecret = name
		}
	}
}

// WithUploadCheck makes Ensure prove push permission by starting a blob
// upload and cancelling it even when the registry's token already lists
// push among the actions it grants. By default such a token decides with no
// further request, and a run writes nothing; the upload also catches a
// registry that refuses every push whatever the token says (Distribution in
// read-only maintenance mode behind a token server), at the cost of a POST
// and a DELETE on every run. Registries whose tokens say nothing (ghcr.io)
// and Basic-auth registries are always checked with an upload.
func WithUploadCheck() Option { return func(o *options) { o.uploadCheck = true } }
