package hetzner_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
)

// In a recipe's first plan the login key doesn't exist yet: the plan says
// it will be uploaded, and reads only.
func TestPlanWithoutKeyYet(t *testing.T) {
	sim := hetznertest.New(t)
	p := hetzner.New(secret.New(sim.Token()), hetzner.WithEndpoint(sim.URL()))
	plan, err := p.Plan(context.Background(), server.Spec{Name: "shop-1", Type: "cx23", Location: "fsn1", Owner: "shop"})
	require.NoError(t, err)
	require.Zero(t, sim.Knobs().Mutating())
	var kinds []string
	for _, c := range plan {
		require.Equal(t, ensure.Created, c.Op, c.String())
		kinds = append(kinds, c.Kind)
	}
	require.Equal(t, []string{"ssh key", "firewall", "server"}, kinds)
	require.Equal(t, "the recipe's key, generated when Ensure runs", plan[0].Detail)

	srv, err := p.Lookup(context.Background(), server.Spec{Name: "shop-1", Type: "cx23", Location: "fsn1", Owner: "shop"})
	require.NoError(t, err)
	require.Nil(t, srv)
}
