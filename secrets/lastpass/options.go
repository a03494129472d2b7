package lastpass

import "log/slog"

// Option configures a Provider.
type Option func(*Provider)

// WithFolder sets the folder Ref puts entries in ("Kamal" by default; empty
// for none).
func WithFolder(folder string) Option { return func(p *Provider) { p.folder = folder } }

// WithBinary sets the path of the lpass executable ("lpass", looked up in
// PATH, by default).
func WithBinary(path string) Option { return func(p *Provider) { p.cli.Binary = path } }

// WithEnv adds KEY=VALUE pairs to lpass's environment (LPASS_HOME, …).
func WithEnv(kv ...string) Option { return func(p *Provider) { p.cli.Env = append(p.cli.Env, kv...) } }

// WithLogger sets the logger (Debug level); the default discards.
func WithLogger(l *slog.Logger) Option { return func(p *Provider) { p.cli.Logger = l; p.log = l } }
