package sshx_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
	"github.com/assemblekit/assemble/secret"
)

// contract is what sshx must do against any SSH server that runs commands
// as root: the simulator here, a real OpenSSH sshd in the integration layer.
func contract(t *testing.T, cfg sshx.Config) {
	ctx := context.Background()
	c, err := sshx.Dial(ctx, cfg)
	require.NoError(t, err)
	defer c.Close()

	t.Run("stdout and exit 0", func(t *testing.T) {
		res, err := c.Run(ctx, "id -u")
		require.NoError(t, err)
		require.Equal(t, "0\n", string(res.Stdout))
		require.Zero(t, res.ExitCode)
	})
	t.Run("unknown command is 127", func(t *testing.T) {
		_, err := c.Run(ctx, "assemble-no-such-command")
		var xe *sshx.ExitError
		require.ErrorAs(t, err, &xe)
		require.Equal(t, 127, xe.Code)
		require.Contains(t, xe.Stderr, "not found")
	})
	t.Run("stdin", func(t *testing.T) {
		out, err := c.Output(ctx, "cat", sshx.WithSecretStdin(secret.New("line one\nline two\n")))
		require.NoError(t, err)
		require.Equal(t, "line one\nline two\n", out)
	})
	t.Run("stdin a command ignores", func(t *testing.T) {
		out, err := c.Output(ctx, "echo ok", sshx.WithStdin(strings.NewReader(strings.Repeat("x", 1<<16))))
		require.NoError(t, err)
		require.Equal(t, "ok\n", out)
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		// 3 s, not longer: a real sshd does not kill it (see
		// TestIntegrationCancelReturnsPromptly).
		_, err := c.Run(ctx, "sleep 3", sshx.WithTimeout(200*time.Millisecond))
		require.ErrorIs(t, err, ensure.ErrTimeout)
		require.Less(t, time.Since(start), 10*time.Second)
		out, err := c.Output(ctx, "echo still here")
		require.NoError(t, err)
		require.Equal(t, "still here\n", out)
	})
}

func TestContractSimulator(t *testing.T) {
	h := buildertest.New(t)
	contract(t, config(h))
	require.Equal(t, 1, h.Connections())
}
