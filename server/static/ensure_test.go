package static_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/static"
)

func TestEnsureLogsInAndReportsArch(t *testing.T) {
	for _, tc := range []struct{ arch, want string }{
		{"amd64", "amd64"},
		{"arm64", "arm64"},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			h := newHost(t, buildertest.Arch(tc.arch))
			p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()))
			srv, op, err := p.Ensure(ctxT(t), server.Spec{Name: "web"})
			require.NoError(t, err)
			require.Equal(t, ensure.Unchanged, op)
			require.Equal(t, tc.want, srv.Arch)
			require.Equal(t, "web", srv.Name)
			require.Equal(t, h.Addr(), srv.SSHAddr)
			require.Equal(t, "root", srv.User)
			require.Equal(t, netip.MustParseAddr("127.0.0.1"), srv.IPv4)
			require.False(t, srv.IPv6.IsValid())
			require.Equal(t, h.HostKey().Marshal(), srv.HostKey.Marshal())
			require.Equal(t, ssh.FingerprintSHA256(h.HostKey()), srv.HostKeyFingerprint)
			// Exactly one read-only command, as root, and nothing else.
			log := h.Log()
			require.Len(t, log, 1)
			require.Equal(t, buildertest.Command{User: "root", Cmd: "uname -m", Exit: 0}, log[0])
			require.Empty(t, h.Mutating())
		})
	}
}

func TestEnsureTwiceSendsNothingMutating(t *testing.T) {
	h := newHost(t)
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()))
	for i := range 2 {
		_, op, err := p.Ensure(ctxT(t), server.Spec{})
		require.NoError(t, err, "call %d", i+1)
		require.Equal(t, ensure.Unchanged, op)
	}
	require.Equal(t, []string{"uname -m", "uname -m"}, h.Commands())
	require.Empty(t, h.Mutating())
	require.Equal(t, 2, h.Connections(), "one connection per check")
}

func TestNameDefaultsToHost(t *testing.T) {
	h := newHost(t)
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()))
	srv, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", srv.Name)
}

func TestHostKeyMismatchRefusedBeforeAnyCommand(t *testing.T) {
	cases := map[string]func(t *testing.T) ssh.PublicKey{
		"same type":      otherKey, // the host offers ed25519, but another one
		"different type": ecdsaKey, // the host has no ECDSA key at all
	}
	for name, pin := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHost(t)
			want := pin(t)
			p := static.New(h.Addr(), static.WithHostKey(want), static.WithSigner(h.ClientSigner()))
			srv, op, err := p.Ensure(ctxT(t), server.Spec{Name: "web"})
			require.Nil(t, srv)
			require.Empty(t, op)
			require.ErrorIs(t, err, server.ErrHostKeyMismatch)
			require.ErrorIs(t, err, ensure.ErrConflict)
			var mm *server.HostKeyMismatchError
			require.ErrorAs(t, err, &mm)
			require.Equal(t, ssh.FingerprintSHA256(h.HostKey()), mm.Got)
			require.Equal(t, ssh.FingerprintSHA256(want), mm.Want)
			require.Contains(t, err.Error(), `ensure static host "web (`+h.Addr()+`)"`)
			require.Empty(t, h.Commands(), "no command may run on a host with the wrong key")
		})
	}
}

func TestNoHostKeySourceIsInvalidSpec(t *testing.T) {
	h := newHost(t)
	p := static.New(h.Addr(), static.WithSigner(h.ClientSigner()))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	var ie *ensure.InvalidError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "static.host_key", ie.Field)
	for _, opt := range []string{"WithHostKey", "WithKnownHosts", "WithTrustOnFirstUse"} {
		require.Contains(t, ie.Fix, opt)
	}
	_, err = p.Plan(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Zero(t, h.Connections(), "validation happens before connecting")
}

func TestInvalidSettings(t *testing.T) {
	h := newHost(t)
	hk, signer := h.HostKey(), h.ClientSigner()
	cases := []struct {
		name  string
		opts  []static.Option
		spec  server.Spec
		field string
	}{
		{"garbage host key line", []static.Option{static.WithHostKeyLine("not a key"), static.WithSigner(signer)}, server.Spec{}, "static.host_key_line"},
		{"revoked line", []static.Option{static.WithHostKeyLine("@revoked host " + string(ssh.MarshalAuthorizedKey(hk))), static.WithSigner(signer)}, server.Spec{}, "static.host_key_line"},
		{"pinned and known_hosts", []static.Option{static.WithHostKey(hk), static.WithKnownHosts("/dev/null"), static.WithSigner(signer)}, server.Spec{}, "static.host_key"},
		{"pinned and tofu", []static.Option{static.WithHostKey(hk), static.WithTrustOnFirstUse(func(ssh.PublicKey) bool { return true }), static.WithSigner(signer)}, server.Spec{}, "static.host_key"},
		{"missing known_hosts", []static.Option{static.WithKnownHosts(t.TempDir() + "/nope"), static.WithSigner(signer)}, server.Spec{}, "static.known_hosts"},
		{"no signer", []static.Option{static.WithHostKey(hk)}, server.Spec{}, "static.signer"},
		{"no signer for spec key", []static.Option{static.WithHostKey(hk), static.WithSigner(signer)}, server.Spec{SSHKey: otherKey(t)}, "server.ssh_key"},
		{"bad user option", []static.Option{static.WithHostKey(hk), static.WithSigner(signer), static.WithUser("Root Admin")}, server.Spec{}, "static.user"},
		{"bad spec user", []static.Option{static.WithHostKey(hk), static.WithSigner(signer)}, server.Spec{User: "-x"}, "server.user"},
		{"users disagree", []static.Option{static.WithHostKey(hk), static.WithSigner(signer), static.WithUser("deploy")}, server.Spec{User: "root"}, "server.user"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := static.New(h.Addr(), append(tc.opts, static.WithDialer(noDial(t)))...)
			_, _, err := p.Ensure(ctxT(t), tc.spec)
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
			var ie *ensure.InvalidError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, tc.field, ie.Field, "%v", err)
			require.NotEmpty(t, ie.Fix)
		})
	}
	require.Zero(t, h.Connections())
}

func TestBadAddressIsInvalidSpec(t *testing.T) {
	for _, addr := range []string{
		"", "  ", "root@203.0.113.7", "ssh://203.0.113.7", "203.0.113.7:0", "203.0.113.7:65536",
		"203.0.113.7:ssh", "host:22:33", "[2001:db8::1", "bad_host!", "-leading.example.com",
		"10.0.0", "fe80::1%eth0",
	} {
		t.Run(addr, func(t *testing.T) {
			p := static.New(addr, static.WithTrustOnFirstUse(func(ssh.PublicKey) bool { return true }),
				static.WithSigner(otherSigner(t)), static.WithDialer(noDial(t)))
			require.Empty(t, p.Addr())
			_, _, err := p.Ensure(ctxT(t), server.Spec{})
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
			var ie *ensure.InvalidError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, "static.addr", ie.Field)
			_, err = p.Plan(ctxT(t), server.Spec{})
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
		})
	}
}

func otherSigner(t *testing.T) ssh.Signer {
	s, _ := newSigner(t)
	return s
}

func TestAddressForms(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":           "203.0.113.7:22",
		"203.0.113.7:2222":      "203.0.113.7:2222",
		"host.example.com":      "host.example.com:22",
		"host.example.com:2222": "host.example.com:2222",
		"2001:db8::1":           "[2001:db8::1]:22",
		"[2001:db8::1]":         "[2001:db8::1]:22",
		"[2001:db8::1]:2222":    "[2001:db8::1]:2222",
		" localhost ":           "localhost:22",
	} {
		require.Equal(t, want, static.New(in).Addr(), in)
	}
}

func TestUnreachableHostIsUnavailable(t *testing.T) {
	addr := closedAddr(t)
	p := static.New(addr, static.WithHostKey(otherKey(t)), static.WithSigner(otherSigner(t)))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	var ue *static.UnreachableError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, addr, ue.Addr)
}

func TestSilentHostTimesOut(t *testing.T) {
	addr := silentAddr(t)
	p := static.New(addr, static.WithHostKey(otherKey(t)), static.WithSigner(otherSigner(t)),
		static.WithTimeout(200*time.Millisecond))
	start := time.Now()
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.Less(t, time.Since(start), 5*time.Second)
	require.ErrorIs(t, err, ensure.ErrTimeout)
	require.ErrorIs(t, err, ensure.ErrUnavailable)
}

func TestCancelledContext(t *testing.T) {
	addr := silentAddr(t)
	p := static.New(addr, static.WithHostKey(otherKey(t)), static.WithSigner(otherSigner(t)))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, _, err := p.Ensure(ctx, server.Spec{})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ensure.ErrTimeout)
}

func TestLoginRefused(t *testing.T) {
	h := newHost(t)
	wrong := otherSigner(t)
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(wrong))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	var le *static.LoginError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "root", le.User)
	require.Equal(t, []string{ssh.FingerprintSHA256(wrong.PublicKey())}, le.Keys)
	require.Empty(t, h.Commands())
}

func TestUnknownUserRefused(t *testing.T) {
	h := newHost(t)
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()), static.WithUser("nobody"))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
}

func TestNonRootUser(t *testing.T) {
	h := newHost(t, buildertest.User("deploy", true))
	for _, tc := range []struct {
		name string
		opts []static.Option
		spec server.Spec
	}{
		{"option", []static.Option{static.WithUser("deploy")}, server.Spec{}},
		{"spec", nil, server.Spec{User: "deploy"}},
		{"both agree", []static.Option{static.WithUser("deploy")}, server.Spec{User: "deploy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.ResetLog()
			opts := append([]static.Option{static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner())}, tc.opts...)
			srv, _, err := static.New(h.Addr(), opts...).Ensure(ctxT(t), tc.spec)
			require.NoError(t, err)
			require.Equal(t, "deploy", srv.User)
			require.Equal(t, "deploy", h.Log()[0].User)
		})
	}
}

func TestOnlyTheSpecKeyIsOffered(t *testing.T) {
	mine, _ := newSigner(t)
	h := newHost(t, buildertest.AuthorizedKeys(mine.PublicKey()))
	// The host also authorizes its ClientSigner, but the spec names mine:
	// offering the other key would prove nothing about the recipe's key.
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner(), mine))
	srv, _, err := p.Ensure(ctxT(t), server.Spec{SSHKey: mine.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, "amd64", srv.Arch)

	// A spec key the host does not authorize is refused even though
	// another given signer would have worked.
	stranger, _ := newSigner(t)
	p = static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner(), stranger))
	_, _, err = p.Ensure(ctxT(t), server.Spec{SSHKey: stranger.PublicKey()})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	var le *static.LoginError
	require.ErrorAs(t, err, &le)
	require.Equal(t, []string{ssh.FingerprintSHA256(stranger.PublicKey())}, le.Keys)
}

func TestAgentSigns(t *testing.T) {
	s, priv := newSigner(t)
	h := newHost(t, buildertest.AuthorizedKeys(s.PublicKey()))
	kr := agent.NewKeyring()
	require.NoError(t, kr.Add(agent.AddedKey{PrivateKey: priv}))
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithAgent(kr))
	srv, _, err := p.Ensure(ctxT(t), server.Spec{SSHKey: s.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, "amd64", srv.Arch)

	// The agent lacks the spec's key: a typed error before connecting.
	before := h.Connections()
	_, _, err = p.Ensure(ctxT(t), server.Spec{SSHKey: otherKey(t)})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Equal(t, before, h.Connections())

	// An empty agent, no spec key.
	_, _, err = static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithAgent(agent.NewKeyring())).Ensure(ctxT(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Equal(t, before, h.Connections())
}

func TestUnameFailureIsReported(t *testing.T) {
	h := newHost(t)
	h.Fail("uname", 1, "uname: broken")
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.ErrorContains(t, err, "read the architecture")
	require.ErrorContains(t, err, "uname: broken")
}

func TestDialerMapsAddress(t *testing.T) {
	h := newHost(t)
	target := h.Addr()
	var asked []string
	p := static.New("203.0.113.7", static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()),
		static.WithDialer(mapTo(&target, &asked)))
	srv, _, err := p.Ensure(ctxT(t), server.Spec{Name: "web"})
	require.NoError(t, err)
	require.Equal(t, []string{"203.0.113.7:22"}, asked)
	require.Equal(t, netip.MustParseAddr("203.0.113.7"), srv.IPv4)
	require.Equal(t, "203.0.113.7:22", srv.SSHAddr)
	require.Equal(t, "203.0.113.7 "+string(bytes.TrimSpace(ssh.MarshalAuthorizedKey(h.HostKey()))), srv.KnownHostsLine())

	// An IPv6 literal is reported as a single address.
	p = static.New("2001:db8::7", static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()),
		static.WithDialer(mapTo(&target, nil)))
	srv, _, err = p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.False(t, srv.IPv4.IsValid())
	require.Equal(t, netip.MustParsePrefix("2001:db8::7/128"), srv.IPv6)
	require.Equal(t, "[2001:db8::7]:22", srv.SSHAddr)
}

func TestDNSNameReportsResolvedAddress(t *testing.T) {
	h := newHost(t)
	_, port, _ := strings.Cut(h.Addr(), ":")
	p := static.New("localhost:"+port, static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()))
	srv, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.Equal(t, "localhost", srv.Name)
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), srv.IPv4)
}

func TestHostKeyLineForms(t *testing.T) {
	h := newHost(t)
	authorized := string(ssh.MarshalAuthorizedKey(h.HostKey()))
	for name, line := range map[string]string{
		"authorized_keys":       authorized,
		"with comment":          strings.TrimSpace(authorized) + " root@host",
		"known_hosts":           h.Addr() + " " + authorized,
		"known_hosts bracketed": "[127.0.0.1]:2222 " + authorized,
	} {
		t.Run(name, func(t *testing.T) {
			p := static.New(h.Addr(), static.WithHostKeyLine(line), static.WithSigner(h.ClientSigner()))
			_, _, err := p.Ensure(ctxT(t), server.Spec{})
			require.NoError(t, err)
		})
	}
}

func TestLoggerGetsDebugLines(t *testing.T) {
	h := newHost(t)
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := static.New(h.Addr(), static.WithHostKey(h.HostKey()), static.WithSigner(h.ClientSigner()), static.WithLogger(l))
	_, _, err := p.Ensure(ctxT(t), server.Spec{})
	require.NoError(t, err)
	require.Contains(t, buf.String(), "static: host checked")
	require.Contains(t, buf.String(), ssh.FingerprintSHA256(h.HostKey()))
	require.NotContains(t, buf.String(), "x86_64", "command output is never logged")
}

func TestConcurrentEnsure(t *testing.T) {
	h := newHost(t)
	var calls sync.Map
	p := static.New(h.Addr(), static.WithSigner(h.ClientSigner()),
		static.WithTrustOnFirstUse(func(k ssh.PublicKey) bool { calls.Store(ssh.FingerprintSHA256(k), true); return true }))
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, _, errs[i] = p.Ensure(ctxT(t), server.Spec{}) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Len(t, h.Commands(), 4)
}
