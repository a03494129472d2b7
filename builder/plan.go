package builder

import (
	"context"
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
)

// Plan reports what Ensure would change, reading the host only. It fails
// the way Ensure would before its first change: below the floor, an
// unsupported CPU, or root needed and not available.
func Plan(ctx context.Context, host Host, spec Spec, opts ...Option) (ensure.Changes, error) {
	o := newOptions(opts)
	wrap := func(err error) error { return fmt.Errorf("plan builder %s: %w", host.Addr, err) }
	if err := validate(host, spec); err != nil {
		return nil, wrap(err)
	}
	c, err := sshx.Dial(ctx, host.config(o))
	if err != nil {
		return nil, wrap(err)
	}
	defer func() { _ = c.Close() }()
	p, err := inspect(ctx, c, host, spec, o)
	if err != nil {
		return nil, wrap(err)
	}
	return p.changes, nil
}

// plan is what inspect found and what apply will do.
type plan struct {
	facts    *facts
	arch     string
	addGroup bool

	cronOp      ensure.Op
	cronContent string

	khPath    string
	khLine    string
	khContent []byte
	khOp      ensure.Op

	changes ensure.Changes
}

// inspect reads the host and decides; it mutates nothing.
func inspect(ctx context.Context, c *sshx.Client, host Host, spec Spec, o *options) (*plan, error) {
	f, err := probe(ctx, c, spec, o)
	if err != nil {
		return nil, err
	}
	p := &plan{facts: f}
	arch, ok := parseArch(f.arch)
	if !ok {
		return nil, &ArchError{Addr: host.Addr, Machine: f.arch}
	}
	p.arch = arch

	minMem, minDisk := spec.minMemory(), spec.minDisk()
	if (minMem > 0 && f.memory < minMem) || (minDisk > 0 && f.disk < minDisk) {
		fe := &FloorError{Addr: host.Addr, MemoryBytes: f.memory, MinMemory: minMem, DiskFreeBytes: f.disk, MinDisk: minDisk}
		if !spec.WarnOnly {
			return nil, fe
		}
		ensure.Report(ctx, "warning: %v", fe)
		o.log.Debug("builder below floor", "addr", host.Addr, "err", fe)
	}

	var needRoot []string
	inst := spec.Install.orDefault()
	switch {
	case f.docker:
		p.changes = append(p.changes, ensure.Change{Kind: "docker", Name: host.Addr, Op: ensure.Unchanged, Detail: "docker " + f.dockerVersion})
	case inst.atBoot:
		p.changes = append(p.changes, ensure.Change{Kind: "docker", Name: host.Addr, Op: ensure.Unchanged, Detail: "not there yet: wait for cloud-init to install it"})
	default:
		p.changes = append(p.changes, ensure.Change{Kind: "docker", Name: host.Addr, Op: ensure.Created, Detail: "install with the " + inst.name})
		needRoot = append(needRoot, "install Docker")
	}

	if !f.root && !f.inDockerGroup {
		p.addGroup = true
		p.changes = append(p.changes, ensure.Change{Kind: "docker group", Name: host.User, Op: ensure.Updated, Detail: "add " + host.User + " to the docker group"})
		needRoot = append(needRoot, "add "+host.User+" to the docker group")
	}

	path := CronPath(spec)
	_, want := CronFile(spec)
	switch {
	case spec.Prune.Disabled && f.cronExists && strings.HasPrefix(f.cronContent, cronMarker):
		p.cronOp = ensure.Deleted
		p.changes = append(p.changes, ensure.Change{Kind: "cron file", Name: path, Op: ensure.Deleted, Detail: "pruning disabled"})
	case spec.Prune.Disabled:
		p.cronOp = ensure.Unchanged
	case !f.cronExists:
		p.cronOp = ensure.Created
		p.changes = append(p.changes, ensure.Change{Kind: "cron file", Name: path, Op: ensure.Created, Detail: "docker system prune at " + spec.schedule()})
	case f.cronContent != want || f.cronMode != "644":
		p.cronOp = ensure.Updated
		detail := "content differs"
		if f.cronMode != "644" {
			detail = "mode " + f.cronMode + " → 644"
		}
		p.changes = append(p.changes, ensure.Change{Kind: "cron file", Name: path, Op: ensure.Updated, Detail: detail})
	default:
		p.cronOp = ensure.Unchanged
		p.changes = append(p.changes, ensure.Change{Kind: "cron file", Name: path, Op: ensure.Unchanged})
	}
	p.cronContent = want
	if p.cronOp.Mutates() {
		needRoot = append(needRoot, "write "+path)
	}

	if len(needRoot) > 0 && !f.sudo {
		return nil, &PrivilegeError{Addr: host.Addr, User: host.User, Need: needRoot}
	}

	p.khLine = KnownHostsLine(host.Addr, c.HostKey())
	if spec.KnownHostsPath != "" {
		kp, err := expandHome(spec.KnownHostsPath, o)
		if err != nil {
			return nil, err
		}
		p.khPath = kp
		p.khContent, p.khOp, err = knownHostsChange(kp, host.Addr, c.HostKey())
		if err != nil {
			return nil, err
		}
		p.changes = append(p.changes, ensure.Change{Kind: "known_hosts line", Name: kp, Op: p.khOp, Detail: knownHostsDetail(p.khOp, host.Addr)})
	}
	return p, nil
}

func knownHostsDetail(op ensure.Op, addr string) string {
	switch op {
	case ensure.Created, ensure.Updated:
		return "trust " + addr + "'s host key"
	}
	return ""
}

func (p *plan) result(host Host, spec Spec) *Builder {
	b := &Builder{
		Arch:           p.arch,
		Remote:         host.Remote(),
		Local:          spec.Local,
		MemoryBytes:    p.facts.memory,
		DiskFreeBytes:  p.facts.disk,
		DockerVersion:  p.facts.dockerVersion,
		KnownHostsLine: p.khLine,
	}
	if !spec.Prune.Disabled {
		b.CronPath = CronPath(spec)
	}
	return b
}
