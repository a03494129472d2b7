package static_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/static"
)

func TestPlanReadsOnly(t *testing.T) {
	h := newHost(t, buildertest.Arch("arm64"))
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()))
	plan, err := p.Plan(ctxT(t), server.Spec{Name: "web"})
	require.NoError(t, err)
	require.Equal(t, ensure.Changes{{
		Kind:   "server",
		Name:   "web",
		Op:     ensure.Unchanged,
		Detail: "existing host root@" + h.Addr() + ", arm64, host key " + ssh.FingerprintSHA256(h.HostKey()),
	}}, plan)
	require.Empty(t, plan.Mutating())
	require.Equal(t, []string{"uname -m"}, h.Commands())
	require.Empty(t, h.Mutating())
}

func TestPlanRefusesMismatch(t *testing.T) {
	h := newHost(t)
	p := static.New(h.Addr(), static.WithHostKey(otherKey(t)), static.WithSigner(h.ClientSigner()))
	_, err := p.Plan(ctxT(t), server.Spec{Name: "web"})
	require.ErrorIs(t, err, server.ErrHostKeyMismatch)
	require.ErrorContains(t, err, "plan static host")
	require.Empty(t, h.Commands())
}

func TestDestroyTouchesNothing(t *testing.T) {
	h := newHost(t)
	for name, p := range map[string]*static.Provider{
		"configured": static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner())),
		"bare":       static.New(h.Addr()),
		"bad addr":   static.New("root@nowhere"),
	} {
		t.Run(name, func(t *testing.T) {
			changes, err := p.Destroy(ctxT(t), server.Spec{Name: "web", Owner: "shop"})
			require.NoError(t, err)
			require.Empty(t, changes)
		})
	}
	require.Zero(t, h.Connections(), "Destroy must not even connect")
	require.Empty(t, h.Commands())
}
