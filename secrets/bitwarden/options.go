package bitwarden

import (
	"log/slog"

	"github.com/assemblekit/assemble/secret"
)

// Option configures a Provider.
type Option func(*Provider)

// WithItem sets the item Ref puts secrets in ("kamal" by default).
func WithItem(item string) Option { return func(p *Provider) { p.item = item } }

// WithSession passes an unlocked session (`bw unlock --raw`) to bw as
// BW_SESSION.
func WithSession(session secret.Value) Option {
	return func(p *Provider) { p.cli.SecretEnv["BW_SESSION"] = session }
}

// WithBinary sets the path of the bw executable ("bw", looked up in PATH,
// by default).
func WithBinary(path string) Option { return func(p *Provider) { p.cli.Binary = path } }

// WithEnv adds KEY=VALUE pairs to bw's environment (BITWARDENCLI_APPDATA_DIR, …).
func WithEnv(kv ...string) Option { return func(p *Provider) { p.cli.Env = append(p.cli.Env, kv...) } }

// WithLogger sets the logger (Debug level); the default discards.
func WithLogger(l *slog.Logger) Option { return func(p *Provider) { p.cli.Logger = l; p.log = l } }
