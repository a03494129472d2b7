package hetzner_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
)

func TestEnsureCreatesThenUnchanged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "shop-1", srv.Name)
	require.NotNil(t, srv.HostKey)
	require.Equal(t, "amd64", srv.Arch)
	require.True(t, srv.IPv4.IsLoopback())
	require.Len(t, e.sim.Servers(), 1)
	require.Len(t, e.sim.Firewalls(), 1)
	require.Len(t, e.sim.SSHKeys(), 1)

	k := e.sim.Knobs()
	mark := k.Mark()
	srv2, op, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, srv.ID, srv2.ID)
	for _, r := range k.Since(mark) {
		require.False(t, r.Mutating(), "second Ensure sent %s", r)
	}
	t.Logf("first run requests: %d, second: %d", mark, len(k.Since(mark)))
}
