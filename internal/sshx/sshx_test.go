package sshx_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
	"github.com/assemblekit/assemble/secret"
)

func config(h *buildertest.Host) sshx.Config {
	return sshx.Config{
		Addr:    h.Addr(),
		User:    "root",
		HostKey: h.HostKey(),
		Signers: []ssh.Signer{h.ClientSigner()},
	}
}

func dial(t *testing.T, h *buildertest.Host) *sshx.Client {
	t.Helper()
	c, err := sshx.Dial(context.Background(), config(h))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestRunReturnsOutputAndExitCode(t *testing.T) {
	h := buildertest.New(t, buildertest.Arch("arm64"))
	c := dial(t, h)
	ctx := context.Background()

	res, err := c.Run(ctx, "uname -m")
	require.NoError(t, err)
	require.Equal(t, "aarch64\n", string(res.Stdout))
	require.Equal(t, 0, res.ExitCode)

	res, err = c.Run(ctx, "frobnicate --now")
	var xe *sshx.ExitError
	require.ErrorAs(t, err, &xe)
	require.Equal(t, 127, xe.Code)
	require.True(t, xe.NotFound())
	require.Equal(t, "frobnicate --now", xe.Cmd)
	require.Contains(t, xe.Stderr, "command not found")
	require.Equal(t, 127, res.ExitCode)
	require.Equal(t, []string{"uname -m", "frobnicate --now"}, h.Commands())
}

func TestRunStdinAndScrubbedStderr(t *testing.T) {
	h := buildertest.New(t)
	c := dial(t, h)
	pw := secret.New("hunter2-very-secret")

	out, err := c.Output(context.Background(), "cat", sshx.WithSecretStdin(pw))
	require.NoError(t, err)
	require.Equal(t, pw.Reveal(), out)

	h.Fail("login", 1, "error: bad password hunter2-very-secret for user\n"+strings.Repeat("x", 5000))
	_, err = c.Run(context.Background(), "login", sshx.WithSecretStdin(pw))
	require.Error(t, err)
	require.NotContains(t, err.Error(), pw.Reveal())
	require.Contains(t, err.Error(), secret.Redacted)
	var xe *sshx.ExitError
	require.ErrorAs(t, err, &xe)
	require.LessOrEqual(t, len(xe.Stderr), sshx.MaxStderr+len("…(truncated)"))
	for _, cmd := range h.Commands() {
		require.NotContains(t, cmd, pw.Reveal(), "secret on a command line")
	}
}

func TestRunOutputIsNeverLogged(t *testing.T) {
	h := buildertest.New(t)
	var logs bytes.Buffer
	cfg := config(h)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := sshx.Dial(context.Background(), cfg)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Run(context.Background(), "echo tell nobody", sshx.WithStdin(strings.NewReader("x")))
	require.NoError(t, err)
	_, err = c.Run(context.Background(), "cat", sshx.WithSecretStdin(secret.New("s3cr3t-value")))
	require.NoError(t, err)
	require.Contains(t, logs.String(), "ssh run")
	require.NotContains(t, logs.String(), "tell nobody\n")
	require.NotContains(t, logs.String(), "s3cr3t-value")
}

func TestRunTimeoutKillsCommand(t *testing.T) {
	h := buildertest.New(t)
	c := dial(t, h)
	start := time.Now()
	_, err := c.Run(context.Background(), "sleep 30", sshx.WithTimeout(100*time.Millisecond))
	require.ErrorIs(t, err, ensure.ErrTimeout)
	require.Less(t, time.Since(start), 10*time.Second)
	// The connection is still usable afterwards.
	out, err := c.Output(context.Background(), "id -u")
	require.NoError(t, err)
	require.Equal(t, "0\n", out)
}

func TestRunContextCancel(t *testing.T) {
	h := buildertest.New(t)
	c := dial(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Run(ctx, "sleep 30")
	require.ErrorIs(t, err, context.Canceled)

	_, err = c.Run(ctx, "uname -m")
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, []string{"sleep 30"}, h.Commands(), "a cancelled context must not start commands")
}

func TestDialRefusesWrongHostKeyBeforeAnyCommand(t *testing.T) {
	h := buildertest.New(t)
	other := buildertest.New(t)
	cfg := config(h)
	cfg.HostKey = other.HostKey()
	_, err := sshx.Dial(context.Background(), cfg)
	var he *sshx.HostKeyError
	require.ErrorAs(t, err, &he)
	require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Equal(t, h.Addr(), he.Addr)
	require.Equal(t, ssh.FingerprintSHA256(other.HostKey()), he.Want)
	require.Equal(t, ssh.FingerprintSHA256(h.HostKey()), he.Got)
	require.Empty(t, h.Commands())
}

func TestKnownHosts(t *testing.T) {
	h := buildertest.New(t)
	other := buildertest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, h.HostKey())
	require.NoError(t, os.WriteFile(path, []byte(line+"\n"), 0o600))

	cb, err := sshx.KnownHosts(path)
	require.NoError(t, err)
	cfg := config(h)
	cfg.HostKey, cfg.HostKeyCallback = nil, cb
	c, err := sshx.Dial(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, h.HostKey().Marshal(), c.HostKey().Marshal())
	_ = c.Close()

	// A host not in the file: unknown, a precondition, not a conflict.
	cfg.Addr = other.Addr()
	_, err = sshx.Dial(context.Background(), cfg)
	require.ErrorIs(t, err, sshx.ErrUnknownHost)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	require.Empty(t, other.Commands())
}

func TestTrustOnFirstUse(t *testing.T) {
	h := buildertest.New(t)
	var key ssh.PublicKey
	cfg := config(h)
	cfg.HostKey, cfg.HostKeyCallback = nil, sshx.TrustOnFirstUse(&key)
	c, err := sshx.Dial(context.Background(), cfg)
	require.NoError(t, err)
	_ = c.Close()
	require.Equal(t, h.HostKey().Marshal(), key.Marshal())

	other := buildertest.New(t)
	cfg.Addr = other.Addr()
	_, err = sshx.Dial(context.Background(), cfg)
	require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
}

func TestConfigValidate(t *testing.T) {
	h := buildertest.New(t)
	for name, mut := range map[string]func(*sshx.Config){
		"addr":     func(c *sshx.Config) { c.Addr = "127.0.0.1" },
		"user":     func(c *sshx.Config) { c.User = "" },
		"host key": func(c *sshx.Config) { c.HostKey = nil },
		"signers":  func(c *sshx.Config) { c.Signers = nil },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config(h)
			mut(&cfg)
			_, err := sshx.Dial(context.Background(), cfg)
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
		})
	}
	require.Zero(t, h.Connections(), "an invalid config must not dial")
}

func TestPoolKeepsOneConnectionPerHost(t *testing.T) {
	h := buildertest.New(t)
	h2 := buildertest.New(t, buildertest.ListenAddr("127.0.0.2:0"))
	var p sshx.Pool
	defer p.Close()
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hh := h
			if i%2 == 1 {
				hh = h2
			}
			c, err := p.Get(ctx, config(hh))
			if err != nil {
				errs <- err
				return
			}
			_, err = c.Run(ctx, "uname -m")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, h.Connections())
	require.Equal(t, 1, h2.Connections())
	require.Len(t, h.Commands(), 10)
	require.Equal(t, 2, p.Len())
}

func TestPoolRedialsDeadConnection(t *testing.T) {
	h := buildertest.New(t)
	var p sshx.Pool
	defer p.Close()
	ctx := context.Background()
	c, err := p.Get(ctx, config(h))
	require.NoError(t, err)
	h.DropAfter("id -u")
	_, err = c.Run(ctx, "id -u")
	require.Error(t, err)

	c2, err := p.Get(ctx, config(h))
	require.NoError(t, err)
	out, err := c2.Output(ctx, "id -u")
	require.NoError(t, err)
	require.Equal(t, "0\n", out)
	require.Equal(t, 2, h.Connections())
}

func TestPoolShareHostKeyError(t *testing.T) {
	h := buildertest.New(t)
	other := buildertest.New(t)
	var p sshx.Pool
	defer p.Close()
	cfg := config(h)
	cfg.HostKey = other.HostKey()
	_, err := p.Get(context.Background(), cfg)
	require.True(t, errors.Is(err, sshx.ErrHostKeyMismatch))
	require.Zero(t, p.Len())
	require.NoError(t, p.Close())
	_, err = p.Get(context.Background(), config(h))
	require.ErrorIs(t, err, sshx.ErrPoolClosed)
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":              "''",
		"plain-word_1":  "plain-word_1",
		"two words":     "'two words'",
		"it's":          `'it'"'"'s'`,
		"until=24h":     "until=24h",
		"$(rm -rf /)":   "'$(rm -rf /)'",
		"a;b":           "'a;b'",
		"/etc/cron.d/x": "/etc/cron.d/x",
	} {
		require.Equal(t, want, sshx.Quote(in), in)
	}
}
