package static_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/static"
)

func TestTrustOnFirstUseSeesTheKey(t *testing.T) {
	h := newHost(t)
	var seen []ssh.PublicKey
	p := static.New(h.Addr(), static.WithSigner(h.ClientSigner()),
		static.WithTrustOnFirstUse(func(k ssh.PublicKey) bool { seen = append(seen, k); return true }))
	srv, op, err := p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Len(t, seen, 1)
	require.Equal(t, h.HostKey().Marshal(), seen[0].Marshal())
	require.Equal(t, h.HostKey().Marshal(), srv.HostKey.Marshal())

	// The accepted key is remembered: no second question.
	_, _, err = p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.Len(t, seen, 1)
	require.Equal(t, []string{"uname -m", "uname -m"}, h.Commands())
}

func TestTrustOnFirstUseRefusal(t *testing.T) {
	h := newHost(t)
	asked := 0
	p := static.New(h.Addr(), static.WithSigner(h.ClientSigner()),
		static.WithTrustOnFirstUse(func(ssh.PublicKey) bool { asked++; return false }))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.Equal(t, 1, asked)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	var he *static.HostKeyError
	require.ErrorAs(t, err, &he)
	require.Equal(t, h.HostKey().Marshal(), he.Key.Marshal())
	require.Equal(t, ssh.FingerprintSHA256(h.HostKey()), he.Got)
	require.Contains(t, he.Reason, "refused")
	require.Empty(t, h.Commands())
	require.Equal(t, 1, h.Connections(), "only the key exchange happened")

	// Refused keys are not remembered: the next call asks again.
	_, _, err = p.Ensure(ctxT(t), server.Spec{})
	require.Error(t, err)
	require.Equal(t, 2, asked)
}

func TestTrustOnFirstUseThenHostReplaced(t *testing.T) {
	first, second := newHost(t), newHost(t)
	target := first.Addr()
	asked := 0
	p := static.New("203.0.113.9", static.WithSigner(first.ClientSigner(), second.ClientSigner()),
		static.WithDialer(mapTo(&target, nil)),
		static.WithTrustOnFirstUse(func(ssh.PublicKey) bool { asked++; return true }))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)

	target = second.Addr() // someone else answers at the same address now
	_, _, err = p.Ensure(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, server.ErrHostKeyMismatch)
	require.Equal(t, 1, asked, "a changed key is never offered to the callback")
	require.Empty(t, second.Commands())
}

func writeKnownHosts(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	var data string
	for _, l := range lines {
		data += l + "\n"
	}
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
	return path
}

func TestKnownHosts(t *testing.T) {
	h := newHost(t)
	addr := knownhosts.Normalize(h.Addr()) // "[127.0.0.1]:port"
	hashed := knownhosts.HashHostname(addr)
	for name, file := range map[string]string{
		"plain":            writeKnownHosts(t, knownhosts.Line([]string{addr}, h.HostKey())),
		"hashed":           writeKnownHosts(t, knownhosts.Line([]string{hashed}, h.HostKey())),
		"among others":     writeKnownHosts(t, "# comment", knownhosts.Line([]string{"[127.0.0.1]:1"}, otherKey(t)), knownhosts.Line([]string{addr}, h.HostKey())),
		"ecdsa line first": writeKnownHosts(t, knownhosts.Line([]string{addr}, ecdsaKey(t)), knownhosts.Line([]string{addr}, h.HostKey())),
	} {
		t.Run(name, func(t *testing.T) {
			h.ResetLog()
			p := static.New(h.Addr(), static.WithKnownHosts(file), static.WithSigner(h.ClientSigner()))
			srv, _, err := p.Ensure(ctxT(t), server.Spec{})
			require.NoError(t, err)
			require.Equal(t, h.HostKey().Marshal(), srv.HostKey.Marshal())
			require.Equal(t, []string{"uname -m"}, h.Commands())
		})
	}
}

func TestKnownHostsMismatch(t *testing.T) {
	h := newHost(t)
	addr := knownhosts.Normalize(h.Addr())
	for name, key := range map[string]ssh.PublicKey{"same type": otherKey(t), "other type": ecdsaKey(t)} {
		t.Run(name, func(t *testing.T) {
			file := writeKnownHosts(t, knownhosts.Line([]string{addr}, key))
			asked := false
			p := static.New(h.Addr(), static.WithKnownHosts(file), static.WithSigner(h.ClientSigner()),
				static.WithTrustOnFirstUse(func(ssh.PublicKey) bool { asked = true; return true }))
			_, _, err := p.Ensure(ctxT(t), server.Spec{})
			require.ErrorIs(t, err, server.ErrHostKeyMismatch)
			require.ErrorIs(t, err, ensure.ErrConflict)
			require.False(t, asked, "a known host with another key is refused, never offered to the callback")
			require.Empty(t, h.Commands())
		})
	}
}

func TestKnownHostsUnknownHost(t *testing.T) {
	h := newHost(t)
	file := writeKnownHosts(t, knownhosts.Line([]string{"[127.0.0.1]:1"}, h.HostKey()))
	p := static.New(h.Addr(), static.WithKnownHosts(file), static.WithSigner(h.ClientSigner()))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	var he *static.HostKeyError
	require.ErrorAs(t, err, &he)
	require.Equal(t, ssh.FingerprintSHA256(h.HostKey()), he.Got)
	require.Contains(t, err.Error(), "known_hosts")
	require.Empty(t, h.Commands())

	// With trust on first use, the callback decides about an unknown host.
	var seen ssh.PublicKey
	p = static.New(h.Addr(), static.WithKnownHosts(file), static.WithSigner(h.ClientSigner()),
		static.WithTrustOnFirstUse(func(k ssh.PublicKey) bool { seen = k; return true }))
	_, _, err = p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.Equal(t, h.HostKey().Marshal(), seen.Marshal())
}

func TestKnownHostsHomeExpansion(t *testing.T) {
	h := newHost(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"),
		[]byte(knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, h.HostKey())+"\n"), 0o600))
	p := static.New(h.Addr(), static.WithKnownHosts("~/.ssh/known_hosts"), static.WithSigner(h.ClientSigner()))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
}

func TestKnownHostsFallsBackToAnotherKnownType(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	hostSigner, err := ssh.NewSignerFromKey(k)
	require.NoError(t, err)
	// The host has only an ECDSA key; known_hosts also lists an ed25519 key
	// for it (preferred, but the host doesn't offer that type any more).
	h := newHost(t, buildertest.HostKey(hostSigner))
	addr := knownhosts.Normalize(h.Addr())
	file := writeKnownHosts(t, knownhosts.Line([]string{addr}, otherKey(t)), knownhosts.Line([]string{addr}, hostSigner.PublicKey()))
	p := static.New(h.Addr(), static.WithKnownHosts(file), static.WithSigner(h.ClientSigner()))
	srv, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.Equal(t, ssh.KeyAlgoECDSA256, srv.HostKey.Type())
	require.Equal(t, 2, h.Connections(), "one failed negotiation, one login")
}
