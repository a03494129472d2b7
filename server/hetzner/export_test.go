package hetzner

import "time"

// SetPrimeClock sets the clock the provider's primed reads age by.
func SetPrimeClock(p *Provider, now func() time.Time) { p.primed.Now = now }
