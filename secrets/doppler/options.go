package doppler

import (
	"log/slog"
	"net/http"

	"github.com/assemblekit/assemble/secret"
)

// Option configures a Provider.
type Option func(*Provider)

// WithToken makes the provider use the REST API with this token (a
// personal, CLI or service token) instead of the CLI.
func WithToken(token secret.Value) Option { return func(p *Provider) { p.token = token } }

// WithBaseURL sets the API's base URL ("https://api.doppler.com").
func WithBaseURL(url string) Option { return func(p *Provider) { p.baseURL = url } }

// WithHTTPClient sets the API's HTTP client.
func WithHTTPClient(c *http.Client) Option { return func(p *Provider) { p.http = c } }

// WithBinary sets the path of the doppler executable ("doppler", looked up
// in PATH, by default), used when no token is given.
func WithBinary(path string) Option { return func(p *Provider) { p.cli.Binary = path } }

// WithEnv adds KEY=VALUE pairs to the CLI's environment.
func WithEnv(kv ...string) Option { return func(p *Provider) { p.cli.Env = append(p.cli.Env, kv...) } }

// WithLogger sets the logger (Debug level); the default discards.
func WithLogger(l *slog.Logger) Option { return func(p *Provider) { p.cli.Logger = l; p.log = l } }
