package hetzner

import (
	"context"
	"fmt"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/ensure"
)

// waitActions waits for actions to finish, reporting progress.
func (p *Provider) waitActions(ctx context.Context, what string, actions ...*hcloud.Action) error {
	var live []*hcloud.Action
	for _, a := range actions {
		if a != nil {
			live = append(live, a)
		}
	}
	if len(live) == 0 {
		return nil
	}
	start := time.Now()
	err := p.api.Action.WaitForFunc(ctx, func(a *hcloud.Action) error {
		if a.Status == hcloud.ActionStatusRunning {
			ensure.Report(ctx, "waiting for %s: %s %d%% (%s)", what, a.Command, a.Progress, time.Since(start).Round(time.Second))
		}
		p.debug("hetzner action", "id", a.ID, "command", a.Command, "status", a.Status, "progress", a.Progress)
		if a.Status == hcloud.ActionStatusError {
			return a.Error()
		}
		return nil
	}, live...)
	if err != nil {
		return fmt.Errorf("wait for %s: %w", what, p.convert(err))
	}
	return nil
}

// waitRunning polls the server until its status is running.
func (p *Provider) waitRunning(ctx context.Context, srv *hcloud.Server) (*hcloud.Server, error) {
	interval := p.cfg.pollMin
	start := time.Now()
	for srv.Status != hcloud.ServerStatusRunning {
		switch srv.Status {
		case hcloud.ServerStatusOff:
			return nil, fmt.Errorf("wait for server %q: it is off (did its boot fail?): %w", srv.Name, ensure.ErrUnavailable)
		default:
			ensure.Report(ctx, "waiting for server %q to run: %s (%s)", srv.Name, srv.Status, time.Since(start).Round(time.Second))
			t := time.NewTimer(interval)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("wait for server %q to run (status %s): %w", srv.Name, srv.Status, ctx.Err())
			case <-t.C:
			}
			interval = min(interval*2, p.cfg.pollMax)
		}
		cur, _, err := p.api.Server.GetByID(ctx, srv.ID)
		if err != nil {
			return nil, fmt.Errorf("wait for server %q: %w", srv.Name, p.convert(err))
		}
		if cur == nil {
			return nil, fmt.Errorf("wait for server %q: it was deleted: %w", srv.Name, ensure.ErrNotFound)
		}
		srv = cur
	}
	return srv, nil
}
