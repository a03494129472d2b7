package server

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
)

// Provider makes a server exist as a Spec says.
type Provider interface {
	// Ensure converges the world on spec and returns the server, reachable
	// over SSH with the pinned host key, and what it did.
	Ensure(ctx context.Context, spec Spec) (*Server, ensure.Op, error)
}

// Planner says what Ensure would change, using reads only.
type Planner interface {
	Plan(ctx context.Context, spec Spec) (ensure.Changes, error)
}

// Destroyer removes what the recipe (spec.Owner) created for spec, and
// nothing else.
type Destroyer interface {
	Destroy(ctx context.Context, spec Spec) (ensure.Changes, error)
}

// Estimator prices a spec before anything is bought.
type Estimator interface {
	Estimate(ctx context.Context, spec Spec) (Price, error)
}

// Price is what a server costs.
type Price struct {
	// Monthly is the gross monthly price as a decimal string ("4.8500"),
	// including the primary IPv4 address when the vendor charges for one.
	Monthly string
	// Currency is the ISO 4217 code ("EUR").
	Currency string
	// Source says where the figure came from ("hetzner /pricing").
	Source string
}

// String renders the price as "4.8500 EUR/month".
func (p Price) String() string { return p.Monthly + " " + p.Currency + "/month" }

// Looker finds the server Ensure would converge, using reads only, and
// returns it as Ensure would (HostKey may be nil when the host doesn't
// answer yet), or nil when it doesn't exist. The Recipe's plan uses it so
// that the steps after the server can plan too.
type Looker interface {
	Lookup(ctx context.Context, spec Spec) (*Server, error)
}

// Validator checks, before anything is made, what the provider would refuse
// about spec — against its catalog (types, locations, images) but not the
// resources themselves, with reads only. The Recipe calls it for every step
// before the first change, so a bad server type doesn't leave a bucket
// behind.
type Validator interface {
	Validate(ctx context.Context, spec Spec) error
}
