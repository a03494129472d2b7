package builder_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
)

const (
	scriptCmd = "(curl -fsSL https://get.docker.com || wget -qO- https://get.docker.com) | sh"
	aptCmd    = "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io"
)

func hostOf(h *buildertest.Host, user string) builder.Host {
	return builder.Host{Addr: h.Addr(), User: user, HostKey: h.HostKey(), Signer: h.ClientSigner()}
}

func spec(t *testing.T) builder.Spec {
	return builder.Spec{Owner: "shop", KnownHostsPath: filepath.Join(t.TempDir(), "ssh", "known_hosts")}
}

func TestEnsureFreshHostAsRoot(t *testing.T) {
	h := buildertest.New(t, buildertest.WithoutDocker(), buildertest.Memory(8_131_805_184), buildertest.DiskFree(75e9))
	s := spec(t)
	ctx := context.Background()

	b, op, err := builder.Ensure(ctx, hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "amd64", b.Arch)
	require.Equal(t, "ssh://root@"+h.Addr(), b.Remote)
	require.False(t, b.Local)
	require.Equal(t, int64(8_131_805_184/1024*1024), b.MemoryBytes)
	require.Equal(t, int64(75e9), b.DiskFreeBytes)
	require.Equal(t, "27.5.1", b.DockerVersion)
	require.Equal(t, "/etc/cron.d/assemble-prune-shop", b.CronPath)

	require.True(t, h.DockerInstalled())
	name, want := builder.CronFile(s)
	require.Equal(t, map[string]string{name: want}, h.CronFiles())
	mode, _ := h.FileMode("/etc/cron.d/" + name)
	require.Equal(t, uint32(0o644), mode)
	require.Equal(t, []string{
		scriptCmd,
		"umask 022 && cat > /etc/cron.d/.assemble-prune-shop.tmp && chmod 0644 /etc/cron.d/.assemble-prune-shop.tmp && mv -f /etc/cron.d/.assemble-prune-shop.tmp /etc/cron.d/assemble-prune-shop",
	}, h.Mutating())
	kh, err := os.ReadFile(s.KnownHostsPath)
	require.NoError(t, err)
	require.Equal(t, b.KnownHostsLine+"\n", string(kh))
	require.True(t, strings.HasPrefix(b.KnownHostsLine, "[127.0.0.1]:"), b.KnownHostsLine)
	st, err := os.Stat(s.KnownHostsPath)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	require.Equal(t, 1, h.Connections(), "one connection for every command")

	// Converged: nothing mutating, Unchanged, known_hosts byte-identical.
	mark := h.Mark()
	b2, op, err := builder.Ensure(ctx, hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, b, b2)
	for _, c := range h.Since(mark) {
		require.False(t, c.Mutating, "second Ensure sent %q", c.Cmd)
	}
	kh2, err := os.ReadFile(s.KnownHostsPath)
	require.NoError(t, err)
	require.Equal(t, kh, kh2)
}

func TestEnsureSudoUser(t *testing.T) {
	h := buildertest.New(t, buildertest.WithoutDocker(), buildertest.User("deploy", true))
	s := spec(t)
	ctx := context.Background()

	b, op, err := builder.Ensure(ctx, hostOf(h, "deploy"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "ssh://deploy@"+h.Addr(), b.Remote)
	require.Equal(t, []string{
		"sudo -n sh -c '" + scriptCmd + "'",
		"sudo -n sh -c 'usermod -aG docker deploy'",
		"sudo -n sh -c 'umask 022 && cat > /etc/cron.d/.assemble-prune-shop.tmp && chmod 0644 /etc/cron.d/.assemble-prune-shop.tmp && mv -f /etc/cron.d/.assemble-prune-shop.tmp /etc/cron.d/assemble-prune-shop'",
	}, h.Mutating())
	require.Contains(t, h.Groups("deploy"), "docker")
	require.Len(t, h.CronFiles(), 1)

	mark := h.Mark()
	_, op, err = builder.Ensure(ctx, hostOf(h, "deploy"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	for _, c := range h.Since(mark) {
		require.False(t, c.Mutating, "second Ensure sent %q", c.Cmd)
	}
}

func TestEnsureNonRootWithoutSudo(t *testing.T) {
	h := buildertest.New(t, buildertest.User("app", false))
	_, _, err := builder.Ensure(context.Background(), hostOf(h, "app"), spec(t))
	var pe *builder.PrivilegeError
	require.ErrorAs(t, err, &pe)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	require.Equal(t, "app", pe.User)
	require.Equal(t, []string{"add app to the docker group", "write /etc/cron.d/assemble-prune-shop"}, pe.Need)
	require.Contains(t, err.Error(), "no passwordless sudo")
	require.Contains(t, err.Error(), "NOPASSWD")
	require.Empty(t, h.Mutating())
	require.Empty(t, h.CronFiles())
}

func TestEnsureBelowFloor(t *testing.T) {
	h := buildertest.New(t, buildertest.WithoutDocker(), buildertest.Memory(4<<30), buildertest.DiskFree(12e9))
	_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), spec(t))
	var fe *builder.FloorError
	require.ErrorAs(t, err, &fe)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	require.Equal(t, int64(4<<30), fe.MemoryBytes)
	require.Equal(t, builder.DefaultMinMemory, fe.MinMemory)
	require.Equal(t, int64(12e9), fe.DiskFreeBytes)
	require.Equal(t, builder.DefaultMinDisk, fe.MinDisk)
	require.Contains(t, err.Error(), "memory 4.0 GiB")
	require.Contains(t, err.Error(), "free disk 11.2 GiB")
	require.Empty(t, h.Mutating(), "nothing may change on a host that fails the floor")
	require.False(t, h.DockerInstalled())

	// Only the memory floor lowered: disk still fails, and only disk is named.
	_, _, err = builder.Ensure(context.Background(), hostOf(h, "root"), builder.Spec{MinMemory: 2 << 30})
	require.ErrorAs(t, err, &fe)
	require.NotContains(t, err.Error(), "memory")

	// WarnOnly: proceeds, and says so.
	var reports []string
	ctx := ensure.WithReporter(context.Background(), func(m string) { reports = append(reports, m) })
	s := spec(t)
	s.WarnOnly = true
	_, op, err := builder.Ensure(ctx, hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.NotEmpty(t, reports)
	require.Contains(t, reports[0], "too small to build on")
}

func TestEnsureArch(t *testing.T) {
	h := buildertest.New(t, buildertest.Arch("arm64"))
	b, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), spec(t))
	require.NoError(t, err)
	require.Equal(t, "arm64", b.Arch)

	h = buildertest.New(t, buildertest.Arch("riscv64"))
	_, _, err = builder.Ensure(context.Background(), hostOf(h, "root"), spec(t))
	var ae *builder.ArchError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "riscv64", ae.Machine)
	require.Empty(t, h.Mutating())
}

func TestEnsureInstallMethods(t *testing.T) {
	t.Run("distro package", func(t *testing.T) {
		h := buildertest.New(t, buildertest.WithoutDocker())
		s := spec(t)
		s.Install = builder.DistroPackage()
		_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
		require.NoError(t, err)
		require.Equal(t, aptCmd, h.Mutating()[0])
		require.True(t, h.DockerInstalled())
	})
	t.Run("at boot waits for cloud-init", func(t *testing.T) {
		h := buildertest.New(t, buildertest.DockerAtBoot())
		s := spec(t)
		s.Install = builder.AtBoot()
		var reports []string
		ctx := ensure.WithReporter(context.Background(), func(m string) { reports = append(reports, m) })
		b, _, err := builder.Ensure(ctx, hostOf(h, "root"), s)
		require.NoError(t, err)
		require.Equal(t, "27.5.1", b.DockerVersion)
		require.Contains(t, h.Commands(), "cloud-init status --wait")
		require.NotContains(t, strings.Join(h.Commands(), "\n"), "get.docker.com")
		require.Contains(t, reports, "waiting for cloud-init on "+h.Addr()+" to install Docker")
	})
	t.Run("at boot but cloud-init did not install it", func(t *testing.T) {
		h := buildertest.New(t, buildertest.WithoutDocker())
		s := spec(t)
		s.Install = builder.AtBoot()
		_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
		var ie *builder.InstallError
		require.ErrorAs(t, err, &ie)
		require.ErrorIs(t, err, ensure.ErrPrecondition)
		require.Empty(t, h.Mutating())
	})
	t.Run("install fails", func(t *testing.T) {
		h := buildertest.New(t, buildertest.WithoutDocker())
		h.Fail("get.docker.com", 6, "curl: (6) Could not resolve host: get.docker.com")
		_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), spec(t))
		var ie *builder.InstallError
		require.ErrorAs(t, err, &ie)
		var xe *builder.ExitError
		require.ErrorAs(t, err, &xe)
		require.Equal(t, 6, xe.Code)
		require.Contains(t, err.Error(), "Could not resolve host")
		require.Empty(t, h.CronFiles(), "nothing after a failed install")
	})
}

func TestEnsureRefusesWrongHostKey(t *testing.T) {
	h := buildertest.New(t)
	impostor := buildertest.New(t)
	host := hostOf(h, "root")
	host.HostKey = impostor.HostKey()
	s := spec(t)
	_, _, err := builder.Ensure(context.Background(), host, s)
	var he *builder.HostKeyError
	require.ErrorAs(t, err, &he)
	require.ErrorIs(t, err, builder.ErrHostKeyMismatch)
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Empty(t, h.Commands(), "no command may run on a host whose key does not match")
	_, err = os.Stat(s.KnownHostsPath)
	require.True(t, errors.Is(err, os.ErrNotExist), "no known_hosts line for a refused host")
}

func TestEnsureRewritesDriftedCronFile(t *testing.T) {
	h := buildertest.New(t)
	s := builder.Spec{Owner: "shop"}
	name, want := builder.CronFile(s)
	h.WriteFile("/etc/cron.d/"+name, want, 0o664) // group-writable: cron ignores it
	_, op, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	mode, _ := h.FileMode("/etc/cron.d/" + name)
	require.Equal(t, uint32(0o644), mode)

	s.Prune.Until = "48h"
	_, op, err = builder.Ensure(context.Background(), hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Contains(t, h.CronFiles()[name], "--filter until=48h")
}

func TestEnsurePruneDisabledRemovesOurFile(t *testing.T) {
	h := buildertest.New(t)
	s := spec(t)
	_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Len(t, h.CronFiles(), 1)

	s.Prune.Disabled = true
	b, op, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Deleted, op)
	require.Empty(t, h.CronFiles())
	require.Empty(t, b.CronPath)
}

func TestEnsureFinishesAfterDroppedConnection(t *testing.T) {
	h := buildertest.New(t)
	s := spec(t)
	h.DropAfter("cat > /etc/cron.d/")
	_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
	require.Error(t, err)
	require.Len(t, h.CronFiles(), 1, "the write committed before the connection dropped")

	mark := h.Mark()
	_, op, err := builder.Ensure(context.Background(), hostOf(h, "root"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op, "only the known_hosts line was left to write")
	for _, c := range h.Since(mark) {
		require.False(t, c.Mutating, "rerun repeated %q", c.Cmd)
	}
	require.Len(t, h.CronFiles(), 1)
}

func TestPlanOnlyReads(t *testing.T) {
	h := buildertest.New(t, buildertest.WithoutDocker(), buildertest.User("deploy", true))
	s := spec(t)
	changes, err := builder.Plan(context.Background(), hostOf(h, "deploy"), s)
	require.NoError(t, err)
	var got []string
	for _, c := range changes.Mutating() {
		got = append(got, c.Op.String()+" "+c.Kind)
	}
	require.Equal(t, []string{"created docker", "updated docker group", "created cron file", "created known_hosts line"}, got)
	require.Empty(t, h.Mutating())
	require.False(t, h.DockerInstalled())
	_, err = os.Stat(s.KnownHostsPath)
	require.True(t, errors.Is(err, os.ErrNotExist))

	_, _, err = builder.Ensure(context.Background(), hostOf(h, "deploy"), s)
	require.NoError(t, err)
	changes, err = builder.Plan(context.Background(), hostOf(h, "deploy"), s)
	require.NoError(t, err)
	require.Empty(t, changes.Mutating())

	// Plan fails like Ensure on a small host.
	small := buildertest.New(t, buildertest.Memory(1<<30))
	_, err = builder.Plan(context.Background(), hostOf(small, "root"), s)
	var fe *builder.FloorError
	require.ErrorAs(t, err, &fe)
}

func TestDestroy(t *testing.T) {
	h := buildertest.New(t, buildertest.User("deploy", true))
	s := spec(t)
	_, _, err := builder.Ensure(context.Background(), hostOf(h, "deploy"), s)
	require.NoError(t, err)
	h.WriteFile("/etc/cron.d/assemble-prune-other", "0 0 * * * root true\n", 0o644)

	changes, err := builder.Destroy(context.Background(), hostOf(h, "deploy"), s)
	require.NoError(t, err)
	require.Equal(t, ensure.Changes{{Kind: "cron file", Name: "/etc/cron.d/assemble-prune-shop", Op: ensure.Deleted}}, changes)
	require.Equal(t, map[string]string{"assemble-prune-other": "0 0 * * * root true\n"}, h.CronFiles())
	require.True(t, h.DockerInstalled(), "Destroy never uninstalls Docker")

	// Again: nothing to do.
	changes, err = builder.Destroy(context.Background(), hostOf(h, "deploy"), s)
	require.NoError(t, err)
	require.Empty(t, changes)

	// A file with our name that we did not write is left alone.
	h.WriteFile("/etc/cron.d/assemble-prune-shop", "# mine\n0 0 * * * root true\n", 0o644)
	mark := h.Mark()
	changes, err = builder.Destroy(context.Background(), hostOf(h, "deploy"), s)
	require.NoError(t, err)
	require.Empty(t, changes)
	require.Contains(t, h.CronFiles(), "assemble-prune-shop")
	for _, c := range h.Since(mark) {
		require.False(t, c.Mutating, "%q", c.Cmd)
	}
}

func TestInvalidSpecDialsNothing(t *testing.T) {
	h := buildertest.New(t)
	_, _, err := builder.Ensure(context.Background(), hostOf(h, "root"), builder.Spec{Owner: "shop.example.com"})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	host := hostOf(h, "root")
	host.HostKey = nil
	_, _, err = builder.Ensure(context.Background(), host, builder.Spec{})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Zero(t, h.Connections())
}
