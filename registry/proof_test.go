package registry_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/sim"
)

// A token that lists push proves it with reads alone, and Ensure given the
// proof sends nothing at all.
func TestProveThenEnsure(t *testing.T) {
	srv := newSim(t, registrytest.WithBearer())
	ctx := context.Background()
	spec := aliceSpec(srv, "me/shop")

	proof, err := registry.Prove(ctx, spec)
	require.NoError(t, err)
	require.NotNil(t, proof)
	require.Len(t, srv.Knobs().Requests(), 2, "the version check and the token")
	require.Empty(t, srv.Knobs().Mutating())

	m := srv.Knobs().Mark()
	login, op, err := registry.Ensure(ctx, spec, registry.WithProof(proof))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, srv.Host()+"/me/shop", login.Repository())
	require.Equal(t, registry.DefaultPasswordSecret, login.PasswordSecret)
	require.Empty(t, srv.Knobs().Since(m), "the proof stands in for the check")

	// The proof is for that spec only: another image, user or password
	// is checked on the wire.
	for _, other := range []registry.Spec{aliceSpec(srv, "me/other"),
		{Server: srv.Host(), Username: "alice", Password: secret.New(alicePW + "-changed"), Image: "me/shop"}} {
		m := srv.Knobs().Mark()
		_, _, _ = registry.Ensure(ctx, other, registry.WithProof(proof), fast())
		require.NotEmpty(t, srv.Knobs().Since(m), "a proof for another spec is ignored")
	}
	// The proof says nothing of the password, not even a plain hash.
	require.NotContains(t, fmt.Sprintf("%v %+v %s", proof, proof, proof), alicePW)
}

// A proof older than ProofTTL is not used.
func TestProofGoesStale(t *testing.T) {
	srv := newSim(t, registrytest.WithBearer())
	ctx := context.Background()
	now := time.Now()
	clock := registry.WithClock(func() time.Time { return now })
	spec := aliceSpec(srv, "me/shop")
	proof, err := registry.Prove(ctx, spec, clock)
	require.NoError(t, err)
	now = now.Add(registry.ProofTTL + time.Second)
	m := srv.Knobs().Mark()
	_, _, err = registry.Ensure(ctx, spec, registry.WithProof(proof), clock)
	require.NoError(t, err)
	require.Len(t, srv.Knobs().Since(m), 2, "checked again")
}

// Where reads can't prove push, Prove still proves the credentials (reads
// only) and returns no proof; what the reads can refuse, it refuses.
func TestProveWithoutProof(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		sim  []registrytest.Option
		opts []registry.Option
	}{
		{name: "basic"},
		{name: "opaque tokens", sim: []registrytest.Option{registrytest.WithBearer(), registrytest.WithOpaqueTokens()}},
		{name: "upload check asked for", sim: []registrytest.Option{registrytest.WithBearer()}, opts: []registry.Option{registry.WithUploadCheck()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSim(t, tc.sim...)
			proof, err := registry.Prove(ctx, aliceSpec(srv, "me/shop"), tc.opts...)
			require.NoError(t, err)
			require.Nil(t, proof)

			bad := aliceSpec(srv, "me/shop")
			bad.Password = secret.New("wrong-pw")
			_, err = registry.Prove(ctx, bad, append(tc.opts, fast())...)
			require.ErrorIs(t, err, ensure.ErrUnauthorized)
			require.NotContains(t, err.Error(), "wrong-pw")
			require.Empty(t, sim.MutatingOf(srv.Knobs().Requests()), "reads only")
		})
	}
	t.Run("pull only", func(t *testing.T) {
		srv := newSim(t, registrytest.WithBearer())
		srv.AddUser("reader", "reader-pw-9c", "pull")
		_, err := registry.Prove(ctx, registry.Spec{Server: srv.Host(), Username: "reader", Password: secret.New("reader-pw-9c"), Image: "me/shop"})
		require.ErrorIs(t, err, ensure.ErrForbidden)
		require.Empty(t, srv.Knobs().Mutating())
	})
	t.Run("local", func(t *testing.T) {
		proof, err := registry.Prove(ctx, registry.Local("shop"))
		require.NoError(t, err)
		require.Nil(t, proof)
	})
}
