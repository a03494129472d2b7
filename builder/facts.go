package builder

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/assemblekit/assemble/internal/sshx"
)

// The commands that read the host. Each one is small and standard so its
// output is the same on every Ubuntu and Debian release.
const (
	cmdUID         = "id -u"
	cmdGroups      = "id -Gn"
	cmdSudo        = "sudo -n true"
	cmdArch        = "uname -m"
	cmdMemInfo     = "cat /proc/meminfo"
	cmdDiskFree    = "df -B1 --output=avail /var/lib"
	cmdDocker      = "docker -v"
	cmdCloudInit   = "cloud-init status --wait"
	dockerGroup    = "docker"
	maxCronContent = 64 << 10
)

// facts is what the host looks like now.
type facts struct {
	root          bool
	sudo          bool // passwordless sudo (true for root)
	inDockerGroup bool
	arch          string
	memory        int64
	disk          int64
	docker        bool
	dockerVersion string
	cronExists    bool
	cronMode      string
	cronContent   string
}

// probe reads everything Ensure decides on. It sends no mutating command.
// The reads don't depend on each other, so they run at once, each in its
// own session on the one connection: a converged host costs one round trip
// (two for a user that isn't root, whose groups and sudo are read after).
func probe(ctx context.Context, c *sshx.Client, spec Spec, o *options) (*facts, error) {
	run := func(cmd string) (string, error) {
		return c.Output(ctx, cmd, sshx.WithTimeout(o.commandTimeout))
	}
	f := &facts{}
	var (
		uidOut, archOut, memOut, diskOut string
		cronRes                          *sshx.Result
		cronErr                          error
		g                                errgroup.Group
	)
	g.Go(func() (err error) { uidOut, err = run(cmdUID); return err })
	g.Go(func() (err error) { archOut, err = run(cmdArch); return err })
	g.Go(func() (err error) { memOut, err = run(cmdMemInfo); return err })
	g.Go(func() (err error) { diskOut, err = run(cmdDiskFree); return err })
	g.Go(func() error { return f.readDocker(ctx, c, o) })
	g.Go(func() error {
		cronRes, cronErr = c.Run(ctx, cronReadCmd(spec), sshx.WithTimeout(o.commandTimeout))
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}

	uid, err := strconv.Atoi(strings.TrimSpace(uidOut))
	if err != nil {
		return nil, fmt.Errorf("parse %q output %q: %w", cmdUID, strings.TrimSpace(uidOut), err)
	}
	f.root = uid == 0
	f.sudo = f.root
	f.inDockerGroup = f.root
	if !f.root {
		out, err := run(cmdGroups)
		if err != nil {
			return nil, err
		}
		f.inDockerGroup = slices.Contains(strings.Fields(out), dockerGroup)
		_, err = run(cmdSudo)
		var xe *sshx.ExitError
		switch {
		case err == nil:
			f.sudo = true
		case errors.As(err, &xe):
			f.sudo = false
		default:
			return nil, err
		}
	}

	f.arch = strings.TrimSpace(archOut)
	if f.memory, err = parseMemTotal(memOut); err != nil {
		return nil, err
	}
	if f.disk, err = parseDiskFree(diskOut); err != nil {
		return nil, err
	}

	var xe *sshx.ExitError
	switch {
	case cronErr == nil:
		mode, content, _ := strings.Cut(string(cronRes.Stdout), "\n")
		f.cronExists, f.cronMode, f.cronContent = true, strings.TrimSpace(mode), content
		if len(cronRes.Stdout) >= sshx.MaxOutput {
			f.cronContent = "" // too large to be ours: rewrite it
		}
	case errors.As(cronErr, &xe) && xe.Code == 1:
		// stat found no file — or found one cat could not read, which
		// is not a file cron would run as written: rewrite it.
		if cronRes != nil {
			if mode, _, ok := strings.Cut(string(cronRes.Stdout), "\n"); ok {
				f.cronExists, f.cronMode = true, strings.TrimSpace(mode)
			}
		}
	default:
		return nil, cronErr
	}
	return f, nil
}

func (f *facts) readDocker(ctx context.Context, c *sshx.Client, o *options) error {
	out, err := c.Output(ctx, cmdDocker, sshx.WithTimeout(o.commandTimeout))
	var xe *sshx.ExitError
	switch {
	case err == nil:
		f.docker = true
		f.dockerVersion = parseDockerVersion(out)
	case errors.As(err, &xe):
		// 127: not installed. Anything else: a broken install; treat it
		// the same, the installer fixes both.
		f.docker, f.dockerVersion = false, ""
	default:
		return err
	}
	return nil
}

func cronReadCmd(spec Spec) string {
	p := CronPath(spec)
	return "stat -c %a " + p + " && cat " + p
}

// parseArch maps uname -m to Kamal's arch names.
func parseArch(machine string) (string, bool) {
	switch strings.TrimSpace(machine) {
	case "x86_64", "amd64":
		return "amd64", true
	case "aarch64", "arm64", "armv8l":
		return "arm64", true
	}
	return "", false
}

// parseMemTotal reads MemTotal (kB) from /proc/meminfo and returns bytes.
func parseMemTotal(meminfo string) (int64, error) {
	for line := range strings.SplitSeq(meminfo, "\n") {
		rest, ok := strings.CutPrefix(line, "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			break
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || n <= 0 {
			break
		}
		unit := int64(1)
		if len(fields) > 1 && strings.EqualFold(fields[1], "kB") {
			unit = 1024
		}
		return n * unit, nil
	}
	return 0, fmt.Errorf("parse /proc/meminfo: no MemTotal line")
}

// parseDiskFree reads the output of df -B1 --output=avail: a header line,
// then bytes.
func parseDiskFree(out string) (int64, error) {
	lines := strings.Fields(out)
	if len(lines) < 2 || lines[0] != "Avail" {
		return 0, fmt.Errorf("parse df output %q: want a header and a byte count", strings.TrimSpace(out))
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse df output %q: %w", strings.TrimSpace(out), err)
	}
	return n, nil
}

var reDockerVersion = regexp.MustCompile(`(?i)docker version ([0-9][^\s,]*)`)

// parseDockerVersion pulls the version out of "Docker version 27.5.1, build
// 9f9e405" (also "20.10.24+dfsg1").
func parseDockerVersion(out string) string {
	if m := reDockerVersion.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return strings.TrimSpace(out)
}
