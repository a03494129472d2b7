package hetzner

import "time"

// SetPrimeClock sets the clock primed zones age by, for tests of staleness.
// Call it before the Provider is used.
func SetPrimeClock(p *Provider, now func() time.Time) { p.primed.Now = now }
