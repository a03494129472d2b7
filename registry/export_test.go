package registry

import "time"

// WithClock sets the clock Proofs are dated and judged by.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
