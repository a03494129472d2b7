package cloudflare

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/dns"
)

var _ dns.Validator = (*Provider)(nil)

// primeKey is what a primed zone was read for: the normalized record name
// (the zone depends on nothing else, the token being the Provider's own)
// and the type, so the A and the AAAA step of one name each get theirs.
type primeKey struct{ name, typ string }

// Validate implements dns.Validator. It checks the spec against
// Cloudflare's rules and the token's form without a request, then — in one
// round, all at once — asks Cloudflare whether the token verifies and which
// active zone holds spec.Name. A refused token is the *APIError Ensure would
// return (ensure.ErrUnauthorized, naming cloudflare.token), a missing or
// inactive zone the *ZoneError. The zone found primes the Ensure that follows for
// the same name and type: taken once, within prime.DefaultTTL, instead of
// being looked up again. The records themselves are not read: Ensure reads
// them when it runs, since spec.Content (the server's address) is often
// known only then.
func (p *Provider) Validate(ctx context.Context, spec dns.RecordSpec) error {
	spec = spec.Normalized()
	what := fmt.Sprintf("check dns record %q", spec.Name)
	if err := p.check(spec, true); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := p.checkTokenForm(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	z, err := p.zoneOf(ctx, spec.Name)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	p.primed.Put(primeKey{spec.Name, spec.Type}, z)
	return nil
}
