package hetzner

import (
	"context"
	"fmt"
	"math/big"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Estimate returns the gross monthly price of spec's server type in spec's
// location plus its primary IPv4 address, from GET /pricing.
func (p *Provider) Estimate(ctx context.Context, spec server.Spec) (server.Price, error) {
	pr, _, err := p.api.Pricing.Get(ctx)
	if err != nil {
		return server.Price{}, fmt.Errorf("estimate server %q: %w", spec.Name, p.convert(err))
	}
	total := new(big.Rat)
	found := false
	for _, st := range pr.ServerTypes {
		if st.ServerType == nil || st.ServerType.Name != spec.Type {
			continue
		}
		for _, lp := range st.Pricings {
			if lp.Location != nil && lp.Location.Name == spec.Location {
				r, ok := new(big.Rat).SetString(lp.Monthly.Gross)
				if !ok {
					return server.Price{}, fmt.Errorf("estimate server %q: price %q is not a number", spec.Name, lp.Monthly.Gross)
				}
				total.Add(total, r)
				found = true
			}
		}
	}
	if !found {
		return server.Price{}, fmt.Errorf("estimate server %q: %w", spec.Name,
			ensure.Invalid("server.type", spec.Type, "no price for this type in "+spec.Location, "check the type and location"))
	}
	for _, ip := range pr.PrimaryIPs {
		if ip.Type != "ipv4" {
			continue
		}
		for _, lp := range ip.Pricings {
			if lp.Location == spec.Location {
				if r, ok := new(big.Rat).SetString(lp.Monthly.Gross); ok {
					total.Add(total, r)
				}
			}
		}
	}
	return server.Price{Monthly: total.FloatString(4), Currency: pr.Currency, Source: "Hetzner Cloud /pricing (server type + primary IPv4, gross)"}, nil
}
