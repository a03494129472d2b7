package sandbox_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
)

func TestProfileSlowsTheWorldDown(t *testing.T) {
	ctx := context.Background()
	p := sandbox.Profile{Hetzner: time.Millisecond, Cloudflare: time.Millisecond, S3: time.Millisecond, Registry: time.Millisecond,
		SSH: time.Millisecond, Action: 10 * time.Millisecond, Boot: time.Hour, Propagation: 10 * time.Millisecond}
	sb := sandbox.New(t, sandbox.Options{Profile: p})
	require.Equal(t, p, sb.Profile())

	// A new server's SSH refuses connections while it boots.
	key, _, err := sb.SSHKey().EnsureKey(ctx)
	require.NoError(t, err)
	srv, op, err := sb.HetznerProvider(hetzner.WithoutSSHWait()).Ensure(ctx, server.Spec{Name: "web-1", Type: "cx23", Location: "fsn1", SSHKey: key.PublicKey(), Owner: "shop"})
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.NotNil(t, sb.Host(srv.IPv4), "the host is attached at once")
	_, err = sb.Dial(ctx, "tcp", net.JoinHostPort(srv.IPv4.String(), "22"))
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
}

func TestProfileKeepsRequestsWhole(t *testing.T) {
	// Latency must not eat request bodies: a whole recipe (POSTs and PUTs
	// to every simulator) converges under a profile, and the server's SSH
	// answers once it has booted.
	p := sandbox.Scaled(1000)
	p.Boot = 20 * time.Millisecond
	sb := sandbox.New(t, sandbox.Options{Profile: p})
	out, err := sb.Recipe("shop").Ensure(context.Background())
	require.NoError(t, err)
	require.Equal(t, ensure.Created, out.Op("server"))
	require.NotNil(t, out.Server.HostKey)
	require.Len(t, sb.Cloudflare.Records(sb.Zone()), 1)
	require.Len(t, sb.S3.Buckets(), 1)
}

func TestScaledProfile(t *testing.T) {
	p := sandbox.Scaled(30)
	require.Equal(t, time.Second, p.Action)
	require.Equal(t, time.Second, p.Boot)
	require.Equal(t, 4*time.Millisecond, p.Hetzner)
	require.InDelta(t, 60.0, p.RealSeconds(2*time.Second), 1e-9)
	require.InDelta(t, 2.0, sandbox.Profile{}.RealSeconds(2*time.Second), 1e-9)
}
