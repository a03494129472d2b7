package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

func newSigner(t testing.TB) ssh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s
}

func validSpec(t testing.TB) server.Spec {
	return server.Spec{Name: "shop-1", Type: "cx23", Location: "fsn1", SSHKey: newSigner(t).PublicKey(), Owner: "shop"}
}

func TestSpecValidate(t *testing.T) {
	require.NoError(t, validSpec(t).Validate())
	cases := map[string]struct {
		mod   func(*server.Spec)
		field string
	}{
		"name":        {func(s *server.Spec) { s.Name = "-bad" }, "server.name"},
		"type":        {func(s *server.Spec) { s.Type = "" }, "server.type"},
		"location":    {func(s *server.Spec) { s.Location = " " }, "server.location"},
		"key":         {func(s *server.Spec) { s.SSHKey = nil }, "server.ssh_key"},
		"owner":       {func(s *server.Spec) { s.Owner = "" }, "server.owner"},
		"owner chars": {func(s *server.Spec) { s.Owner = "my shop" }, "server.owner"},
		"user":        {func(s *server.Spec) { s.User = "Root!" }, "server.user"},
		"empty fw":    {func(s *server.Spec) { s.Firewall = []server.Rule{} }, "server.firewall"},
		"no ssh":      {func(s *server.Spec) { s.Firewall = []server.Rule{{Protocol: "tcp", Port: "80"}} }, "server.firewall"},
		"protocol":    {func(s *server.Spec) { s.Firewall = []server.Rule{{Protocol: "sctp", Port: "22"}} }, "server.firewall[0].protocol"},
		"port":        {func(s *server.Spec) { s.Firewall = []server.Rule{{Protocol: "tcp", Port: "70000"}} }, "server.firewall[0].port"},
		"range":       {func(s *server.Spec) { s.Firewall = []server.Rule{{Protocol: "tcp", Port: "30-20"}} }, "server.firewall[0].port"},
		"icmp port": {func(s *server.Spec) {
			s.Firewall = []server.Rule{{Protocol: "tcp", Port: "22"}, {Protocol: "icmp", Port: "1"}}
		}, "server.firewall[1].port"},
		"label":        {func(s *server.Spec) { s.Labels = map[string]string{"env": "prod env"} }, "server.labels[env]"},
		"label key":    {func(s *server.Spec) { s.Labels = map[string]string{"-x": "1"} }, "server.labels"},
		"reserved key": {func(s *server.Spec) { s.Labels = map[string]string{server.OwnerLabel: "x"} }, "server.labels"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := validSpec(t)
			c.mod(&s)
			err := s.Validate()
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
			var ie *ensure.InvalidError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, c.field, ie.Field)
			require.NotEmpty(t, ie.Fix)
		})
	}
	// A range that covers 22 is enough.
	s := validSpec(t)
	s.Firewall = []server.Rule{{Protocol: "TCP", Port: "1-1024"}}
	require.NoError(t, s.Validate())
}

func TestDefaultsAndRules(t *testing.T) {
	s := validSpec(t).WithDefaults()
	require.Equal(t, "ubuntu-24.04", s.Image)
	require.Equal(t, "root", s.User)
	require.Equal(t, "shop", s.SSHKeyName)
	require.Len(t, s.Firewall, 3)
	for _, r := range server.DefaultFirewall() {
		require.Equal(t, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}, r.Normalize().Sources)
	}
	a := []server.Rule{{Protocol: "tcp", Port: "22"}, {Protocol: "tcp", Port: "443", Description: "x"}}
	b := []server.Rule{{Protocol: "TCP", Port: "443", Sources: []netip.Prefix{netip.MustParsePrefix("::/0"), netip.MustParsePrefix("0.0.0.0/0")}}, {Protocol: "tcp", Port: "22"}}
	require.True(t, server.SameRules(a, b))
	c := []server.Rule{{Protocol: "tcp", Port: "22", Sources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	require.False(t, server.SameRules(a, c))
	require.Equal(t, "+tcp/22 from 10.0.0.0/8, -tcp/22 from 0.0.0.0/0,::/0, -tcp/443 from 0.0.0.0/0,::/0", server.DiffRules(a, c))
}

func TestHostKeyLabelRoundTrip(t *testing.T) {
	for range 50 {
		hk, err := server.NewHostKey(nil)
		require.NoError(t, err)
		v := hk.LabelValue()
		require.NoError(t, server.ValidateLabel(server.HostKeyLabel, v), v)
		require.Equal(t, hk.Fingerprint(), server.FingerprintFromLabel(v))
	}
	require.Empty(t, server.FingerprintFromLabel("not-a-fingerprint"))
	hk, err := server.NewHostKey(nil)
	require.NoError(t, err)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		require.Equal(t, "host key "+hk.Fingerprint(), fmt.Sprintf(f, hk))
	}
}

func TestCloudInitRenderAndParse(t *testing.T) {
	hk, err := server.NewHostKey(nil)
	require.NoError(t, err)
	login := newSigner(t).PublicKey()
	ud, err := server.CloudInit{HostKey: hk, AuthorizedKey: login}.Render()
	require.NoError(t, err)
	require.Equal(t, "[REDACTED]", ud.String())
	text := ud.Reveal()
	require.True(t, strings.HasPrefix(text, "#cloud-config\n"))
	for _, want := range []string{"ssh_deletekeys: true", "ssh_pwauth: false", "disable_root: false", "ed25519_private:", "ed25519_public: ssh-ed25519 "} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "docker")
	p, err := server.ParseUserData(text)
	require.NoError(t, err)
	require.Equal(t, hk.Fingerprint(), ssh.FingerprintSHA256(p.HostKey.PublicKey()))
	require.False(t, p.Builder)
	require.Empty(t, p.Users)

	ud, err = server.CloudInit{HostKey: hk, AuthorizedKey: login, User: "deploy", Builder: true}.Render()
	require.NoError(t, err)
	p, err = server.ParseUserData(ud.Reveal())
	require.NoError(t, err)
	require.True(t, p.Builder)
	require.Equal(t, []string{"deploy"}, p.Users)
	require.Contains(t, p.Packages, "docker.io")
	cron := p.Files[server.PruneCronPath]
	require.Equal(t, "17 3 * * * root docker system prune -f >/dev/null 2>&1\n", cron[strings.Index(cron, "\n")+1:])
	require.NotContains(t, filepath.Base(server.PruneCronPath), ".", "cron ignores /etc/cron.d files with dots")
	require.Contains(t, ud.Reveal(), "NOPASSWD:ALL")

	_, err = server.CloudInit{HostKey: hk, Builder: true, PruneSchedule: "daily"}.Render()
	require.Error(t, err)
	_, err = server.CloudInit{}.Render()
	require.Error(t, err)
}

func TestKnownHosts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ssh")
	path := filepath.Join(dir, "known_hosts")
	hk := newSigner(t).PublicKey()
	s := &server.Server{Name: "shop-1", SSHAddr: "127.0.1.1:22", HostKey: hk}
	require.Equal(t, "127.0.1.1 "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hk))), s.KnownHostsLine())

	op, err := server.WriteKnownHosts(path, s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	op, err = server.WriteKnownHosts(path, s)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)

	// Other lines stay; a stale key for the address is replaced.
	other := "example.test ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ5Xh8d0bMwZ0pMHhqLl+2Sx4d8g9v2d3Qx4l0B9Vv1N\n"
	stale := "127.0.1.1 " + string(ssh.MarshalAuthorizedKey(newSigner(t).PublicKey()))
	require.NoError(t, os.WriteFile(path, []byte(other+stale), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
	op, err = server.WriteKnownHosts(path, s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	b, _ := os.ReadFile(path)
	require.Equal(t, other+s.KnownHostsLine()+"\n", string(b))
	fi, _ = os.Stat(path)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "an existing file keeps its mode")

	// The file is what x/crypto/ssh/knownhosts (and so OpenSSH) accepts.
	cb, err := knownhosts.New(path)
	require.NoError(t, err)
	require.NoError(t, cb("127.0.1.1:22", &net.TCPAddr{IP: net.IPv4(127, 0, 1, 1), Port: 22}, hk))

	// Non-standard port uses [host]:port.
	s2 := &server.Server{SSHAddr: "127.0.1.2:2222", HostKey: hk}
	require.True(t, strings.HasPrefix(s2.KnownHostsLine(), "[127.0.1.2]:2222 "))
	_, err = server.WriteKnownHosts(path, &server.Server{SSHAddr: "127.0.1.3:22"})
	require.Error(t, err)
}

// sshd is a minimal SSH server on 127.0.0.1:0 presenting hostKey and
// accepting only authorized (any key when nil).
func sshd(t testing.TB, hostKey ssh.Signer, authorized ssh.PublicKey) (addr string, accepted *atomic.Int32) {
	accepted = &atomic.Int32{}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if authorized != nil && string(k.Marshal()) != string(authorized.Marshal()) {
			return nil, errors.New("not authorized")
		}
		return nil, nil
	}}
	cfg.AddHostKey(hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer c.Close()
				_, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for ch := range chans {
					_ = ch.Reject(ssh.Prohibited, "no")
				}
			}()
		}
	}()
	return ln.Addr().String(), accepted
}

func fast() []server.WaitOption {
	return []server.WaitOption{server.WithBackoff(5*time.Millisecond, 20*time.Millisecond), server.WithAttemptTimeout(time.Second)}
}

func TestWaitSSH(t *testing.T) {
	host := newSigner(t)
	addr, accepted := sshd(t, host, nil)
	key, err := server.WaitSSH(context.Background(), addr, ssh.FingerprintSHA256(host.PublicKey()), fast()...)
	require.NoError(t, err)
	require.Equal(t, host.PublicKey().Marshal(), key.Marshal())
	require.Equal(t, int32(1), accepted.Load())
	require.NoError(t, server.WaitSSHKey(context.Background(), addr, host.PublicKey(), fast()...))
}

func TestWaitSSHRefusesDifferentHostKey(t *testing.T) {
	addr, accepted := sshd(t, newSigner(t), nil)
	pinned := newSigner(t).PublicKey()
	client := newSigner(t)
	_, err := server.WaitSSH(context.Background(), addr, ssh.FingerprintSHA256(pinned), append(fast(), server.WithLogin("root", client))...)
	require.ErrorIs(t, err, server.ErrHostKeyMismatch)
	require.ErrorIs(t, err, ensure.ErrConflict)
	var mm *server.HostKeyMismatchError
	require.ErrorAs(t, err, &mm)
	require.Equal(t, ssh.FingerprintSHA256(pinned), mm.Want)
	require.Equal(t, int32(1), accepted.Load(), "no retries against an impostor")
}

func TestWaitSSHLogin(t *testing.T) {
	host, client := newSigner(t), newSigner(t)
	addr, _ := sshd(t, host, client.PublicKey())
	fp := ssh.FingerprintSHA256(host.PublicKey())
	_, err := server.WaitSSH(context.Background(), addr, fp, append(fast(), server.WithLogin("root", client))...)
	require.NoError(t, err)
	_, err = server.WaitSSH(context.Background(), addr, fp, append(fast(), server.WithLogin("root", newSigner(t)))...)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
}

func TestWaitSSHRetriesUntilUpThenTimesOut(t *testing.T) {
	host := newSigner(t)
	var dials atomic.Int32
	var upAddr atomic.Value
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		require.Equal(t, "127.0.1.7:22", addr, "only the asked-for address is dialled, through the injected dialer")
		if dials.Add(1) < 3 {
			return nil, errors.New("connection refused")
		}
		if a, _ := upAddr.Load().(string); a != "" {
			return (&net.Dialer{}).DialContext(ctx, network, a)
		}
		return nil, errors.New("connection refused")
	}
	a, _ := sshd(t, host, nil)
	upAddr.Store(a)
	var reports []string
	ctx := ensure.WithReporter(context.Background(), func(m string) { reports = append(reports, m) })
	_, err := server.WaitSSH(ctx, "127.0.1.7:22", ssh.FingerprintSHA256(host.PublicKey()), append(fast(), server.WithDial(dial))...)
	require.NoError(t, err)
	require.Equal(t, int32(3), dials.Load())
	require.Len(t, reports, 2)
	require.Contains(t, reports[0], "waiting for SSH on 127.0.1.7:22")

	upAddr.Store("")
	ctx2, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = server.WaitSSH(ctx2, "127.0.1.7:22", ssh.FingerprintSHA256(host.PublicKey()), append(fast(), server.WithDial(dial))...)
	require.ErrorIs(t, err, ensure.ErrTimeout)

	_, err = server.WaitSSH(context.Background(), "127.0.1.7:22", "md5:xx", fast()...)
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
}

func TestArch(t *testing.T) {
	require.Equal(t, "amd64", server.Arch("x86"))
	require.Equal(t, "arm64", server.Arch("arm"))
	require.Equal(t, "arm64", server.Arch("aarch64"))
	require.Equal(t, "riscv64", server.Arch("riscv64"))
}

// A host with several host keys presents the ed25519 one to WaitSSH, so a
// pinned ed25519 key matches even when the host also has ECDSA.
func TestWaitSSHPrefersEd25519(t *testing.T) {
	ed := newSigner(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ec, err := ssh.NewSignerFromKey(ecKey)
	require.NoError(t, err)
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(ec)
	cfg.AddHostKey(ed)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _, _, _ = ssh.NewServerConn(c, cfg) }()
		}
	}()
	_, err = server.WaitSSH(context.Background(), ln.Addr().String(), ssh.FingerprintSHA256(ed.PublicKey()), fast()...)
	require.NoError(t, err)
	require.NoError(t, server.WaitSSHKey(context.Background(), ln.Addr().String(), ec.PublicKey(), fast()...))
}
