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

// A token the API refuses is named in the error with the way to a working
// one; before, the message was only "hetzner unauthorized: unable to
// authenticate". Found by the e2e bad-input catalogue.
func TestRefusedTokenNamesFieldAndFix(t *testing.T) {
	sim := hetznertest.New(t)
	pub, _ := loginKey(t)
	p := hetzner.New(secret.New("not-a-valid-token"), hetzner.WithEndpoint(sim.URL()), hetzner.WithRetry(0, 0))
	_, _, err := p.Ensure(context.Background(), server.Spec{Name: "web", Type: "cx23", Location: "fsn1", Owner: "shop", SSHKey: pub})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "hetzner.token")
	require.Contains(t, err.Error(), "read & write access")
	require.NotContains(t, err.Error(), "not-a-valid-token")
	require.Zero(t, sim.Knobs().Mutating())
}
