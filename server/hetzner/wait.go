package hetzner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/ensure"
)

// waitActions waits for actions to finish, reporting progress. It polls
// when the progress the actions report says the slowest will be done (see
// nextPoll), so a 30 s create costs a handful of requests and is noticed
// within moments of finishing.
func (p *Provider) waitActions(ctx context.Context, what string, actions ...*hcloud.Action) error {
	running := map[int64]*hcloud.Action{}
	for _, a := range actions {
		switch {
		case a == nil:
		case a.Status == hcloud.ActionStatusRunning:
			running[a.ID] = a
		case a.Status == hcloud.ActionStatusError:
			return fmt.Errorf("wait for %s: %w", what, p.convert(a.Error()))
		}
	}
	start := time.Now()
	backoff := p.cfg.pollMin
	for len(running) > 0 {
		t := time.NewTimer(p.nextPoll(running, time.Since(start), &backoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for %s: %w (actions still running: %v)", what, ctx.Err(), slices.Sorted(maps.Keys(running)))
		case <-t.C:
		}
		ids := slices.Sorted(maps.Keys(running))
		updates, err := p.api.Action.AllWithOpts(ctx, hcloud.ActionListOpts{ID: ids, Sort: []string{"status", "id"}})
		if err != nil {
			return fmt.Errorf("wait for %s: %w", what, p.convert(err))
		}
		if len(updates) != len(ids) {
			return fmt.Errorf("wait for %s: actions %v: %w", what, ids, ensure.ErrNotFound)
		}
		for _, a := range updates {
			p.debug("hetzner action", "id", a.ID, "command", a.Command, "status", a.Status, "progress", a.Progress)
			switch a.Status {
			case hcloud.ActionStatusRunning:
				running[a.ID] = a
				ensure.Report(ctx, "waiting for %s: %s %d%% (%s)", what, a.Command, a.Progress, time.Since(start).Round(time.Second))
			case hcloud.ActionStatusError:
				return fmt.Errorf("wait for %s: %w", what, p.convert(a.Error()))
			default:
				delete(running, a.ID)
			}
		}
	}
	return nil
}

// nextPoll returns how long to wait before asking about running actions
// again. When they report progress, it is when the slowest should be done
// at the rate it went so far (plus 5%), kept between the poll interval's min
// and max; without progress it backs off from min by half each time.
func (p *Provider) nextPoll(running map[int64]*hcloud.Action, elapsed time.Duration, backoff *time.Duration) time.Duration {
	var predicted time.Duration
	for _, a := range running {
		if a.Progress > 0 && a.Progress < 100 {
			predicted = max(predicted, elapsed*time.Duration(100-a.Progress)/time.Duration(a.Progress))
		}
	}
	if predicted == 0 {
		d := *backoff
		*backoff = min(*backoff*3/2, p.cfg.pollMax)
		return d
	}
	return min(max(predicted+predicted/20, p.cfg.pollMin), p.cfg.pollMax)
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
