package builder_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
)

func TestKnownHostsLineWrittenOnceKeepingOtherLines(t *testing.T) {
	h := buildertest.New(t)
	old := buildertest.New(t) // the same address used to be another machine
	path := filepath.Join(t.TempDir(), "known_hosts")
	hashed := "|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= " + strings.TrimSpace(string(marshal(old)))
	other := "github.com " + strings.TrimSpace(string(marshal(old)))
	stale := builder.KnownHostsLine(h.Addr(), old.HostKey())
	require.NoError(t, os.WriteFile(path, []byte("# my hosts\n"+other+"\n"+hashed+"\n"+stale+"\n"), 0o644))

	s := builder.Spec{KnownHostsPath: path}
	b, op, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op) // the cron file
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "# my hosts\n"+other+"\n"+hashed+"\n"+b.KnownHostsLine+"\n", string(got), "stale line for the host replaced, others kept")
	st, _ := os.Stat(path)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm(), "mode kept")

	// ssh would now accept the host with this file.
	cb, err := knownhosts.New(path)
	require.NoError(t, err)
	remote, err := net.ResolveTCPAddr("tcp", h.Addr())
	require.NoError(t, err)
	require.NoError(t, cb(h.Addr(), remote, h.HostKey()))

	for range 2 {
		changes, err := builder.Plan(context.Background(), hostOf(h, "root"), s)
		require.NoError(t, err)
		require.Empty(t, changes.Mutating())
		_, op, err = builder.Ensure(context.Background(), hostOf(h, "root"), s)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
	}
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, got, again)
	require.Equal(t, 1, strings.Count(string(again), b.KnownHostsLine))
}

func TestKnownHostsPathTilde(t *testing.T) {
	h := buildertest.New(t)
	home := t.TempDir()
	_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), builder.Spec{KnownHostsPath: "~/.ssh/known_hosts"}, builder.WithHome(home))
	require.NoError(t, err)
	st, err := os.Stat(filepath.Join(home, ".ssh"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), st.Mode().Perm())
	_, err = os.Stat(filepath.Join(home, ".ssh", "known_hosts"))
	require.NoError(t, err)
}

func TestKnownHostsLineAndRemote(t *testing.T) {
	h := buildertest.New(t)
	key := h.HostKey()
	require.True(t, strings.HasPrefix(builder.KnownHostsLine("10.0.0.1:22", key), "10.0.0.1 ssh-ed25519 "))
	require.True(t, strings.HasPrefix(builder.KnownHostsLine("10.0.0.1:2222", key), "[10.0.0.1]:2222 ssh-ed25519 "))

	for addr, want := range map[string]string{
		"203.0.113.7:22":   "ssh://root@203.0.113.7",
		"203.0.113.7:2222": "ssh://root@203.0.113.7:2222",
		"[2001:db8::1]:22": "ssh://root@[2001:db8::1]",
		"[2001:db8::1]:23": "ssh://root@[2001:db8::1]:23",
	} {
		require.Equal(t, want, builder.Host{Addr: addr, User: "root"}.Remote(), addr)
	}
}

func marshal(h *buildertest.Host) []byte { return ssh.MarshalAuthorizedKey(h.HostKey()) }
