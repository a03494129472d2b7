//go:build integration

package static_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/itest"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/static"
)

type realSSHD struct {
	addr     string
	hostLine string
	hostKey  ssh.PublicKey
	keyFile  string
	// hostKeyFile is sshd's public host key file.
	hostKeyFile string
	signer      ssh.Signer
}

func startedSSHD(t *testing.T) realSSHD {
	t.Helper()
	r := realSSHD{addr: itest.Require(t, "ASSEMBLE_SSHD_ADDR", "OpenSSH sshd")}
	r.hostKeyFile = itest.Require(t, "ASSEMBLE_SSHD_HOST_KEY", "sshd host key")
	pub, err := os.ReadFile(r.hostKeyFile)
	require.NoError(t, err)
	r.hostLine = string(pub)
	r.hostKey, _, _, _, err = ssh.ParseAuthorizedKey(pub)
	require.NoError(t, err)
	r.keyFile = itest.Require(t, "ASSEMBLE_SSHD_CLIENT_KEY", "sshd client key")
	priv, err := os.ReadFile(r.keyFile)
	require.NoError(t, err)
	r.signer, err = ssh.ParsePrivateKey(priv)
	require.NoError(t, err)
	return r
}

func itCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestIntegrationStaticLoginAndArch(t *testing.T) {
	r := startedSSHD(t)
	p := static.New(r.addr, static.WithHostKeyLine(r.hostLine), static.WithSigner(r.signer))
	srv, op, err := p.Ensure(itCtx(t), server.Spec{Name: "itest", SSHKey: r.signer.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, runtime.GOARCH, srv.Arch, "uname -m of this machine, in Docker's naming")
	require.Equal(t, "root", srv.User)
	require.Equal(t, r.addr, srv.SSHAddr)
	require.Equal(t, ssh.FingerprintSHA256(r.hostKey), srv.HostKeyFingerprint)
	host, _, _ := strings.Cut(r.addr, ":")
	require.Equal(t, host, srv.IPv4.String())

	plan, err := p.Plan(itCtx(t), server.Spec{Name: "itest"})
	require.NoError(t, err)
	require.Len(t, plan, 1)
	require.Empty(t, plan.Mutating())

	changes, err := p.Destroy(itCtx(t), server.Spec{Name: "itest"})
	require.NoError(t, err)
	require.Empty(t, changes)
}

func TestIntegrationStaticNonRootUsers(t *testing.T) {
	r := startedSSHD(t)
	for _, env := range []string{"ASSEMBLE_SSHD_SUDO_USER", "ASSEMBLE_SSHD_NOSUDO_USER"} {
		user := itest.Require(t, env, "sshd login user")
		srv, _, err := static.New(r.addr, static.WithHostKey(r.hostKey), static.WithSigner(r.signer), static.WithUser(user)).
			Ensure(itCtx(t), server.Spec{})
		require.NoError(t, err, user)
		require.Equal(t, user, srv.User)
		require.Equal(t, runtime.GOARCH, srv.Arch)
	}
}

func TestIntegrationStaticMismatchRefused(t *testing.T) {
	r := startedSSHD(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	wrong, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	var localPorts []string // the client side of each connection, as sshd logs it
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			host, port, _ := net.SplitHostPort(c.LocalAddr().String())
			localPorts = append(localPorts, host+" port "+port)
		}
		return c, err
	}
	p := static.New(r.addr, static.WithHostKey(wrong.PublicKey()), static.WithSigner(r.signer), static.WithDialer(dial))
	_, _, err = p.Ensure(itCtx(t), server.Spec{})
	require.ErrorIs(t, err, server.ErrHostKeyMismatch)
	require.ErrorIs(t, err, ensure.ErrConflict)
	var mm *server.HostKeyMismatchError
	require.ErrorAs(t, err, &mm)
	require.Equal(t, ssh.FingerprintSHA256(r.hostKey), mm.Got)
	require.Len(t, localPorts, 1)

	// sshd's own log (next to its host key, as sshd.sh writes it) must show
	// the connection ending before authentication: nothing logged in, so
	// nothing could run. A good login is the control that the log is read
	// right.
	logFile := filepath.Join(filepath.Dir(r.hostKeyFile), "sshd.log")
	if _, err := os.Stat(logFile); err != nil {
		t.Logf("no sshd log at %s: not checking the server side", logFile)
		return
	}
	refused := sshdLogFor(t, logFile, localPorts[0])
	require.NotContains(t, refused, "Accepted", "the host was logged in to despite the wrong host key")
	require.Contains(t, refused, "[preauth]")

	p = static.New(r.addr, static.WithHostKey(r.hostKey), static.WithSigner(r.signer), static.WithDialer(dial))
	_, _, err = p.Ensure(itCtx(t), server.Spec{})
	require.NoError(t, err)
	require.Len(t, localPorts, 2)
	require.Contains(t, sshdLogFor(t, logFile, localPorts[1]), "Accepted publickey for root")
}

// sshdLogFor returns sshd's log lines about the client ("IP port N"),
// waiting a little for them to appear.
func sshdLogFor(t *testing.T, logFile, client string) string {
	t.Helper()
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(client) + `\b`)
	for range 50 {
		data, err := os.ReadFile(logFile)
		require.NoError(t, err)
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if re.MatchString(l) {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			return strings.Join(lines, "\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sshd logged nothing about client %s", client)
	return ""
}

func TestIntegrationStaticLoginRefused(t *testing.T) {
	r := startedSSHD(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	stranger, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	_, _, err = static.New(r.addr, static.WithHostKey(r.hostKey), static.WithSigner(stranger)).Ensure(itCtx(t), server.Spec{})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	var le *static.LoginError
	require.ErrorAs(t, err, &le)
}

// The key accepted on first use, written with server.WriteKnownHosts, is
// what OpenSSH's own client (which Kamal's remote builder uses) accepts,
// and what WithKnownHosts reads back.
func TestIntegrationStaticTrustOnFirstUseToKnownHosts(t *testing.T) {
	r := startedSSHD(t)
	var seen ssh.PublicKey
	p := static.New(r.addr, static.WithSigner(r.signer),
		static.WithTrustOnFirstUse(func(k ssh.PublicKey) bool { seen = k; return true }))
	srv, _, err := p.Ensure(itCtx(t), server.Spec{})
	require.NoError(t, err)
	require.Equal(t, r.hostKey.Marshal(), seen.Marshal(), "the callback sees the host's ed25519 key")

	kh := filepath.Join(t.TempDir(), "known_hosts")
	_, err = server.WriteKnownHosts(kh, srv)
	require.NoError(t, err)
	_, _, err = static.New(r.addr, static.WithKnownHosts(kh), static.WithSigner(r.signer)).Ensure(itCtx(t), server.Spec{})
	require.NoError(t, err)

	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Log("no ssh client: skipping the OpenSSH known_hosts check")
		return
	}
	host, port, _ := strings.Cut(r.addr, ":")
	cmd := exec.CommandContext(itCtx(t), sshBin, "-F", "none", "-i", r.keyFile, "-p", port,
		"-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "root@"+host, "true")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ssh: %s", out)
}
