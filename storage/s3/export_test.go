package s3

import "time"

// SetPrimeClock sets how long p keeps what Validate read, and its clock.
// For tests only: this file is compiled into the package's tests alone.
func SetPrimeClock(p *Provider, ttl time.Duration, now func() time.Time) {
	p.primed.TTL, p.primed.Now = ttl, now
}
