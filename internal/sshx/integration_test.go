//go:build integration

package sshx_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/itest"
	"github.com/assemblekit/assemble/internal/sshx"
)

func realConfig(t *testing.T) sshx.Config {
	addr := itest.Require(t, "ASSEMBLE_SSHD_ADDR", "OpenSSH sshd")
	pub, err := os.ReadFile(itest.Require(t, "ASSEMBLE_SSHD_HOST_KEY", "sshd host key"))
	require.NoError(t, err)
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey(pub)
	require.NoError(t, err)
	priv, err := os.ReadFile(itest.Require(t, "ASSEMBLE_SSHD_CLIENT_KEY", "sshd client key"))
	require.NoError(t, err)
	signer, err := ssh.ParsePrivateKey(priv)
	require.NoError(t, err)
	return sshx.Config{Addr: addr, User: "root", HostKey: hostKey, Signers: []ssh.Signer{signer}}
}

func TestIntegrationContractOpenSSH(t *testing.T) {
	contract(t, realConfig(t))
}

// TestIntegrationCancelReturnsPromptly: a cancelled Run returns at once and
// the connection stays usable. OpenSSH 9.2 refuses the "signal" request
// ("session signalling requires privilege separation"), so the remote
// command is NOT killed by cancellation on a real sshd; the test removes its
// own leftover and records the gap.
func TestIntegrationCancelReturnsPromptly(t *testing.T) {
	cfg := realConfig(t)
	c, err := sshx.Dial(context.Background(), cfg)
	require.NoError(t, err)
	defer c.Close()
	// Runs before c.Close: defers run in reverse order.
	defer func() { _, _ = c.Run(context.Background(), "pkill -KILL -f -x 'sleep 31337' || true") }()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Run(ctx, "sleep 31337")
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 5*time.Second)
	out, err := c.Output(context.Background(), "echo still here")
	require.NoError(t, err)
	require.Equal(t, "still here\n", out)
	left, err := c.Output(context.Background(), "pgrep -f -x 'sleep 31337' || true")
	require.NoError(t, err)
	if strings.TrimSpace(left) != "" {
		t.Logf("known gap: remote command survives cancellation on OpenSSH (pid %s); cleaned up", strings.TrimSpace(left))
	}
}

func TestIntegrationWrongHostKeyRefused(t *testing.T) {
	cfg := realConfig(t)
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(k)
	require.NoError(t, err)
	cfg.HostKey = s.PublicKey()
	_, err = sshx.Dial(context.Background(), cfg)
	var he *sshx.HostKeyError
	require.ErrorAs(t, err, &he)
	require.ErrorIs(t, err, ensure.ErrConflict)
}

func TestIntegrationPoolOneConnection(t *testing.T) {
	cfg := realConfig(t)
	var p sshx.Pool
	defer p.Close()
	first, err := p.Get(context.Background(), cfg)
	require.NoError(t, err)
	for range 5 {
		c, err := p.Get(context.Background(), cfg)
		require.NoError(t, err)
		require.Same(t, first, c)
		_, err = c.Run(context.Background(), "true")
		require.NoError(t, err)
	}
}
