package registry_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/registry/registrytest"
)

func simTarget(t *testing.T, opts ...registrytest.Option) (contractTarget, *registrytest.Server) {
	srv := registrytest.New(t, opts...)
	// Tokens list what they grant unless the simulator issues opaque ones.
	claims := srv.IssuesJWT()
	srv.AddUser("alice", "alice-pw-7f3a9c", "push")
	srv.AddUser("reader", "reader-pw-1b2c3d", "pull")
	ro := registrytest.New(t, append(opts, registrytest.WithReadOnly())...)
	ro.AddUser("alice", "alice-pw-7f3a9c", "push")
	return contractTarget{
		Host: srv.Host(), User: "alice", Password: "alice-pw-7f3a9c",
		PullOnlyUser: "reader", PullOnlyPassword: "reader-pw-1b2c3d",
		ReadOnlyHost: ro.Host(),
		OpenUploads:  srv.OpenUploads,
		TokenClaims:  claims,
	}, srv
}

func TestContractSimulator(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []registrytest.Option
	}{
		{"basic", nil},
		{"bearer", []registrytest.Option{registrytest.WithBearer()}},
		{"bearer-401-insufficient-scope", []registrytest.Option{registrytest.WithBearer(), registrytest.WithDenyUnauthorized()}},
		{"bearer-opaque-tokens", []registrytest.Option{registrytest.WithBearer(), registrytest.WithOpaqueTokens()}},
		{"bearer-opaque-401-insufficient-scope", []registrytest.Option{registrytest.WithBearer(), registrytest.WithOpaqueTokens(), registrytest.WithDenyUnauthorized()}},
		{"basic-401-for-no-push", []registrytest.Option{registrytest.WithDenyUnauthorized()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, srv := simTarget(t, tc.opts...)
			runContract(t, tg)
			require.Zero(t, srv.Knobs().Count("POST", "/token"), "only the GET token flow")
		})
	}
}
