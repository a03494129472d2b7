//go:build integration

package builder_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/itest"
	"github.com/assemblekit/assemble/internal/sshx"
)

// realHost is the sshd that scripts/integration.d/sshd.sh started, with the
// dockerd of docker.sh behind it and the cron daemon of cron.sh reading
// /etc/cron.d.
func realHost(t *testing.T, user string) builder.Host {
	t.Helper()
	addr := itest.Require(t, "ASSEMBLE_SSHD_ADDR", "OpenSSH sshd")
	hostKeyPath := itest.Require(t, "ASSEMBLE_SSHD_HOST_KEY", "sshd host key")
	clientKeyPath := itest.Require(t, "ASSEMBLE_SSHD_CLIENT_KEY", "sshd client key")
	itest.Require(t, "ASSEMBLE_DOCKER_HOST", "dockerd")
	pub, err := os.ReadFile(hostKeyPath)
	require.NoError(t, err)
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey(pub)
	require.NoError(t, err)
	priv, err := os.ReadFile(clientKeyPath)
	require.NoError(t, err)
	signer, err := ssh.ParsePrivateKey(priv)
	require.NoError(t, err)
	return builder.Host{Addr: addr, User: user, HostKey: hostKey, Signer: signer}
}

func sshRun(t *testing.T, h builder.Host, cmd string) (string, error) {
	t.Helper()
	c, err := sshx.Dial(context.Background(), sshx.Config{Addr: h.Addr, User: h.User, HostKey: h.HostKey, Signers: []ssh.Signer{h.Signer}})
	require.NoError(t, err)
	defer c.Close()
	return c.Output(context.Background(), cmd, sshx.WithTimeout(2*time.Minute))
}

// checkCronFile checks the file the way cron would: name without dots,
// owned by root, not group/world writable, trailing newline, every job line
// "5 time fields, user, command" with a valid schedule and no bare '%'. It
// returns the job's command.
func checkCronFile(t *testing.T, spec builder.Spec) string {
	t.Helper()
	path := builder.CronPath(spec)
	require.NotContains(t, filepath.Base(path), ".")
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	require.Equal(t, uint32(0), st.Sys().(*syscall.Stat_t).Uid)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	_, want := builder.CronFile(spec)
	require.Equal(t, want, string(b))
	require.True(t, strings.HasSuffix(string(b), "\n"))
	var jobs []string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.Contains(strings.Fields(line)[0], "=") {
			continue
		}
		f := strings.Fields(line)
		require.GreaterOrEqual(t, len(f), 7, line)
		require.NoError(t, builder.Spec{Prune: builder.Prune{Schedule: strings.Join(f[:5], " ")}}.Validate())
		require.Equal(t, "root", f[5])
		cmd := strings.Join(f[6:], " ")
		require.NotContains(t, strings.ReplaceAll(cmd, `\%`, ""), "%")
		jobs = append(jobs, cmd)
	}
	require.Len(t, jobs, 1)
	return jobs[0]
}

func cronDaemonRunning(t *testing.T) {
	t.Helper()
	pid, err := strconv.Atoi(itest.Require(t, "ASSEMBLE_CRON_PID", "cron daemon"))
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(pid, 0), "cron daemon %d is not running", pid)
}

func TestIntegrationBuilderAsRoot(t *testing.T) {
	h := realHost(t, "root")
	cronDaemonRunning(t)
	ctx := context.Background()
	spec := builder.Spec{
		Owner:          "itest-root",
		Prune:          builder.Prune{Until: "24h"},
		KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"),
		MinMemory:      -1, MinDisk: -1, // the CI machine's size is not under test
		Install: builder.AtBoot(), // Docker is there; never download anything
	}
	_, err := builder.Destroy(ctx, h, spec) // leftovers of an interrupted run
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = builder.Destroy(context.Background(), h, spec) })

	b, op, err := builder.Ensure(ctx, h, spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Contains(t, []string{"amd64", "arm64"}, b.Arch)
	require.NotEmpty(t, b.DockerVersion)
	require.Positive(t, b.MemoryBytes)
	require.Positive(t, b.DiskFreeBytes)
	require.Equal(t, "ssh://root@"+h.Addr, b.Remote)

	job := checkCronFile(t, spec)
	st1, err := os.Stat(builder.CronPath(spec))
	require.NoError(t, err)
	// The job's command, run the way cron runs it (sh -c, as root), works
	// against the real dockerd.
	_, err = sshRun(t, h, "sh -c "+sshx.Quote(job))
	require.NoError(t, err)
	out, err := sshRun(t, h, "docker system prune -f")
	require.NoError(t, err)
	require.Contains(t, out, "Total reclaimed space")

	kh, err := os.ReadFile(spec.KnownHostsPath)
	require.NoError(t, err)
	require.Equal(t, b.KnownHostsLine+"\n", string(kh))

	_, op, err = builder.Ensure(ctx, h, spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	st2, err := os.Stat(builder.CronPath(spec))
	require.NoError(t, err)
	require.Equal(t, st1.ModTime(), st2.ModTime(), "an unchanged cron file is not rewritten")
	changes, err := builder.Plan(ctx, h, spec)
	require.NoError(t, err)
	require.Empty(t, changes.Mutating())

	changes, err = builder.Destroy(ctx, h, spec)
	require.NoError(t, err)
	require.Len(t, changes, 1)
	_, err = os.Stat(builder.CronPath(spec))
	require.True(t, os.IsNotExist(err))
}

func TestIntegrationBuilderAsSudoUser(t *testing.T) {
	user := itest.Require(t, "ASSEMBLE_SSHD_SUDO_USER", "sshd sudo user")
	h := realHost(t, user)
	root := realHost(t, "root")
	ctx := context.Background()
	spec := builder.Spec{Owner: "itest-sudo", MinMemory: -1, MinDisk: -1, Install: builder.AtBoot()}
	_, err := builder.Destroy(ctx, h, spec)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = builder.Destroy(context.Background(), h, spec) })
	// Start from a user outside the docker group, as after useradd.
	_, err = sshRun(t, root, "gpasswd -d "+user+" docker >/dev/null 2>&1 || true")
	require.NoError(t, err)

	_, op, err := builder.Ensure(ctx, h, spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	checkCronFile(t, spec)
	groups, err := sshRun(t, h, "id -Gn")
	require.NoError(t, err)
	require.Contains(t, strings.Fields(groups), "docker")
	// A new session has the group: the user can talk to dockerd, as Kamal's
	// remote builder will.
	out, err := sshRun(t, h, "docker system prune -f")
	require.NoError(t, err)
	require.Contains(t, out, "Total reclaimed space")

	_, op, err = builder.Ensure(ctx, h, spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)

	changes, err := builder.Destroy(ctx, h, spec)
	require.NoError(t, err)
	require.Len(t, changes, 1)
}

func TestIntegrationBuilderUserWithoutSudo(t *testing.T) {
	user := itest.Require(t, "ASSEMBLE_SSHD_NOSUDO_USER", "sshd user without sudo")
	h := realHost(t, user)
	spec := builder.Spec{Owner: "itest-nosudo", MinMemory: -1, MinDisk: -1, Install: builder.AtBoot()}
	_, _, err := builder.Ensure(context.Background(), h, spec)
	var pe *builder.PrivilegeError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, user, pe.User)
	_, err = os.Stat(builder.CronPath(spec))
	require.True(t, os.IsNotExist(err))
}

func TestIntegrationBuilderRefusesWrongHostKey(t *testing.T) {
	h := realHost(t, "root")
	other, err := ssh.NewSignerFromKey(mustEd25519(t))
	require.NoError(t, err)
	h.HostKey = other.PublicKey()
	spec := builder.Spec{Owner: "itest-wrongkey", KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"), MinMemory: -1, MinDisk: -1}
	_, _, err = builder.Ensure(context.Background(), h, spec)
	var he *builder.HostKeyError
	require.ErrorAs(t, err, &he)
	require.Equal(t, ssh.FingerprintSHA256(other.PublicKey()), he.Want)
	_, err = os.Stat(builder.CronPath(spec))
	require.True(t, os.IsNotExist(err), "nothing may run on a host whose key does not match")
	_, err = os.Stat(spec.KnownHostsPath)
	require.True(t, os.IsNotExist(err))
}

func mustEd25519(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return k
}
