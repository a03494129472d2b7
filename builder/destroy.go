package builder

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
)

// Destroy removes the prune cron file this recipe wrote (one that starts
// with assemble's marker; any other file of that name is left alone). It
// never uninstalls Docker, never removes users from groups, and leaves the
// known_hosts line. It returns what it deleted.
func Destroy(ctx context.Context, host Host, spec Spec, opts ...Option) (ensure.Changes, error) {
	o := newOptions(opts)
	path := CronPath(spec)
	wrap := func(err error) error { return fmt.Errorf("destroy builder %s: %w", host.Addr, err) }
	if err := validate(host, spec); err != nil {
		return nil, wrap(err)
	}
	c, err := sshx.Dial(ctx, host.config(o))
	if err != nil {
		return nil, wrap(err)
	}
	defer func() { _ = c.Close() }()

	res, err := c.Run(ctx, cronReadCmd(spec), sshx.WithTimeout(o.commandTimeout))
	var xe *sshx.ExitError
	switch {
	case err == nil:
	case errors.As(err, &xe) && xe.Code == 1:
		return nil, nil // nothing there
	default:
		return nil, wrap(err)
	}
	_, content, _ := strings.Cut(string(res.Stdout), "\n")
	if !strings.HasPrefix(content, cronMarker) {
		o.log.Debug("cron file not written by assemble; left alone", "addr", host.Addr, "path", path)
		return nil, nil
	}
	f := &facts{}
	out, err := c.Output(ctx, cmdUID, sshx.WithTimeout(o.commandTimeout))
	if err != nil {
		return nil, wrap(err)
	}
	f.root = strings.TrimSpace(out) == "0"
	if !f.root {
		if _, err := c.Run(ctx, cmdSudo, sshx.WithTimeout(o.commandTimeout)); err != nil {
			if errors.As(err, &xe) {
				return nil, wrap(&PrivilegeError{Addr: host.Addr, User: host.User, Need: []string{"remove " + path}})
			}
			return nil, wrap(err)
		}
	}
	if _, err := c.Run(ctx, asRoot(f, cronRemoveCmd(spec)), sshx.WithTimeout(o.commandTimeout)); err != nil {
		return nil, wrap(fmt.Errorf("remove %s: %w", path, err))
	}
	return ensure.Changes{{Kind: "cron file", Name: path, Op: ensure.Deleted}}, nil
}
