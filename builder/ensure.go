package builder

import (
	"context"
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
)

// Ensure makes the host a remote Docker builder and returns Kamal's builder
// section. It reads the host first and fails — before changing anything —
// when the host is below the floor, has an unsupported CPU, or would need
// root that the login user can't get. Then, in order: it installs Docker if
// absent (per Spec.Install), adds a non-root user to the docker group,
// writes the prune cron file if it differs, and writes the known_hosts line.
// On a host that is already right it sends no mutating command and returns
// ensure.Unchanged.
func Ensure(ctx context.Context, host Host, spec Spec, opts ...Option) (*Builder, ensure.Op, error) {
	o := newOptions(opts)
	wrap := func(err error) error { return fmt.Errorf("ensure builder %s: %w", host.Addr, err) }
	if err := validate(host, spec); err != nil {
		return nil, "", wrap(err)
	}
	c, err := sshx.Dial(ctx, host.config(o))
	if err != nil {
		return nil, "", wrap(err)
	}
	defer func() { _ = c.Close() }()

	p, err := inspect(ctx, c, host, spec, o)
	if err != nil {
		return nil, "", wrap(err)
	}
	if err := p.apply(ctx, c, host, spec, o); err != nil {
		return nil, "", wrap(err)
	}
	ops := make([]ensure.Op, 0, len(p.changes))
	for _, ch := range p.changes {
		ops = append(ops, ch.Op)
	}
	op := ensure.Merge(ops...)
	o.log.Debug("builder ensured", "addr", host.Addr, "op", op, "arch", p.arch)
	return p.result(host, spec), op, nil
}

func validate(host Host, spec Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	return host.validate()
}

// apply carries out the plan: only the changes whose Op mutates.
func (p *plan) apply(ctx context.Context, c *sshx.Client, host Host, spec Spec, o *options) error {
	f := p.facts
	inst := spec.Install.orDefault()
	if !f.docker {
		if inst.atBoot {
			ensure.Report(ctx, "waiting for cloud-init on %s to install Docker", host.Addr)
			o.log.Debug("waiting for cloud-init", "addr", host.Addr)
			if _, err := c.Run(ctx, cmdCloudInit, sshx.WithTimeout(o.installTimeout)); err != nil {
				return &InstallError{Addr: host.Addr, Method: inst.name, Reason: "cloud-init did not finish", Err: err}
			}
		} else {
			ensure.Report(ctx, "installing Docker on %s with the %s", host.Addr, inst.name)
			o.log.Debug("installing docker", "addr", host.Addr, "method", inst.name)
			if _, err := c.Run(ctx, asRoot(f, inst.cmd), sshx.WithTimeout(o.installTimeout)); err != nil {
				return &InstallError{Addr: host.Addr, Method: inst.name, Reason: "the install command failed", Err: err}
			}
		}
		if err := f.readDocker(ctx, c, o); err != nil {
			return err
		}
		if !f.docker {
			reason := "docker -v still fails after the install"
			if inst.atBoot {
				reason = "cloud-init finished but docker -v fails; check the user data installs Docker, or use another Spec.Install"
			}
			return &InstallError{Addr: host.Addr, Method: inst.name, Reason: reason}
		}
	}
	if p.addGroup {
		cmd := asRoot(f, "usermod -aG "+dockerGroup+" "+sshx.Quote(host.User))
		if _, err := c.Run(ctx, cmd, sshx.WithTimeout(o.commandTimeout)); err != nil {
			return fmt.Errorf("add %s to the docker group: %w", host.User, err)
		}
	}
	switch p.cronOp {
	case ensure.Created, ensure.Updated:
		if _, err := c.Run(ctx, asRoot(f, cronWriteCmd(spec)), sshx.WithStdin(strings.NewReader(p.cronContent)), sshx.WithTimeout(o.commandTimeout)); err != nil {
			return fmt.Errorf("write %s: %w", CronPath(spec), err)
		}
	case ensure.Deleted:
		if _, err := c.Run(ctx, asRoot(f, cronRemoveCmd(spec)), sshx.WithTimeout(o.commandTimeout)); err != nil {
			return fmt.Errorf("remove %s: %w", CronPath(spec), err)
		}
	}
	if p.khOp.Mutates() {
		if err := writeKnownHosts(p.khPath, p.khContent); err != nil {
			return err
		}
	}
	return nil
}

// asRoot runs cmd as root: directly when logged in as root, else through
// passwordless sudo and sh, so pipes and redirections run as root too.
func asRoot(f *facts, cmd string) string {
	if f.root {
		return cmd
	}
	return "sudo -n sh -c " + sshx.Quote(cmd)
}

// cronWriteCmd writes stdin to the cron file atomically: into a dot file
// (cron ignores names with dots) in the same directory, then renamed.
func cronWriteCmd(spec Spec) string {
	name := cronName(spec)
	tmp := CronDir + "." + name + ".tmp"
	return "umask 022 && cat > " + tmp + " && chmod 0644 " + tmp + " && mv -f " + tmp + " " + CronDir + name
}

func cronRemoveCmd(spec Spec) string { return "rm -f " + CronPath(spec) }
