package onepassword

import (
	"log/slog"

	"github.com/assemblekit/assemble/secret"
)

// Option configures a Provider.
type Option func(*Provider)

// WithItem sets the item Ref puts secrets in ("kamal" by default).
func WithItem(item string) Option { return func(p *Provider) { p.item = item } }

// WithBinary sets the path of the op executable ("op", looked up in PATH,
// by default).
func WithBinary(path string) Option { return func(p *Provider) { p.cli.Binary = path } }

// WithEnv adds KEY=VALUE pairs to op's environment.
func WithEnv(kv ...string) Option { return func(p *Provider) { p.cli.Env = append(p.cli.Env, kv...) } }

// WithServiceAccountToken authenticates op with a service account token
// (OP_SERVICE_ACCOUNT_TOKEN in op's environment, never on its command line).
func WithServiceAccountToken(token secret.Value) Option {
	return func(p *Provider) { p.cli.SecretEnv["OP_SERVICE_ACCOUNT_TOKEN"] = token }
}

// WithTempDir sets where the 0600 item templates are written while op reads
// them (os.TempDir by default).
func WithTempDir(dir string) Option { return func(p *Provider) { p.tmpDir = dir } }

// WithLogger sets the logger (Debug level); the default discards.
func WithLogger(l *slog.Logger) Option { return func(p *Provider) { p.cli.Logger = l; p.log = l } }
