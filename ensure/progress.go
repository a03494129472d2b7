package ensure

import (
	"context"
	"fmt"
)

type reporterKey struct{}

// WithReporter returns a context that carries f. Providers call Report during
// long waits (a server booting, SSH not yet answering, DNS not yet served);
// the Recipe turns those calls into progress events.
func WithReporter(ctx context.Context, f func(message string)) context.Context {
	return context.WithValue(ctx, reporterKey{}, f)
}

// Report sends a progress message to the reporter in ctx, if any. Messages
// are short and never hold secrets: "waiting for server \"web-1\" to run (12s)".
func Report(ctx context.Context, format string, args ...any) {
	if f, ok := ctx.Value(reporterKey{}).(func(string)); ok && f != nil {
		f(fmt.Sprintf(format, args...))
	}
}
