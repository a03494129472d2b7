package builder

import (
	"log/slog"
	"time"
)

// Option changes how Ensure, Plan and Destroy run.
type Option func(*options)

type options struct {
	log            *slog.Logger
	installTimeout time.Duration
	commandTimeout time.Duration
	home           string
}

func newOptions(opts []Option) *options {
	o := &options{
		log:            slog.New(slog.DiscardHandler),
		installTimeout: 15 * time.Minute,
		commandTimeout: time.Minute,
	}
	for _, f := range opts {
		f(o)
	}
	return o
}

// WithLogger sends Debug lines (commands, decisions; never command output)
// to l. Discarded by default.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithInstallTimeout bounds the Docker install, or the wait for cloud-init
// (default 15 minutes).
func WithInstallTimeout(d time.Duration) Option { return func(o *options) { o.installTimeout = d } }

// WithCommandTimeout bounds every other remote command (default 1 minute).
func WithCommandTimeout(d time.Duration) Option { return func(o *options) { o.commandTimeout = d } }

// WithHome sets the directory a leading "~/" in Spec.KnownHostsPath stands
// for (default: os.UserHomeDir).
func WithHome(dir string) Option { return func(o *options) { o.home = dir } }
