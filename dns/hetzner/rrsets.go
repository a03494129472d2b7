package hetzner

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/ensure"
)

// look lists every RRset at the wanted name (all types) and sorts them out.
func (p *Provider) look(ctx context.Context, z *hcloud.Zone, w want) (world, error) {
	sets, err := p.api.Zone.AllRRSetsWithOpts(ctx, z, hcloud.ZoneRRSetListOpts{Name: w.Rel, ListOpts: hcloud.ListOpts{PerPage: 100}})
	if err != nil {
		return world{}, p.wrap(fmt.Sprintf("list rrsets %q in zone %s", w.Rel, z.Name), err)
	}
	var wd world
	for _, rs := range sets {
		if rs.Name != w.Rel {
			continue
		}
		rs.Zone = z
		switch string(rs.Type) {
		case w.Type:
			wd.set = rs
		case "CNAME":
			wd.cname = rs
		}
	}
	return wd, nil
}

// apply carries out a step with one call per change, each sent once and
// waited for. The caller looks again after any failure.
func (p *Provider) apply(ctx context.Context, z *hcloud.Zone, w want, wd world, st step) error {
	id := w.Rel + "/" + w.Type
	ref := &hcloud.ZoneRRSet{Zone: z, Name: w.Rel, Type: hcloud.ZoneRRSetType(w.Type)}
	if st.create {
		op := fmt.Sprintf("create rrset %q in zone %s", id, z.Name)
		res, _, err := p.once.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{
			Name: w.Rel, Type: hcloud.ZoneRRSetType(w.Type), TTL: w.TTL,
			Labels:  map[string]string{OwnerLabel: w.Owner},
			Records: []hcloud.ZoneRRSetRecord{{Value: w.Content, Comment: w.comment()}},
		})
		if err != nil {
			return p.wrap(op, err)
		}
		p.debug(ctx, "hetzner rrset created", "zone", z.Name, "rrset", id)
		return p.wait(ctx, op, res.Action)
	}
	call := func(what string, f func() (*hcloud.Action, *hcloud.Response, error)) error {
		op := fmt.Sprintf("%s of rrset %q in zone %s", what, id, z.Name)
		a, _, err := f()
		if err != nil {
			return p.wrap(op, err)
		}
		p.debug(ctx, "hetzner rrset changed", "zone", z.Name, "rrset", id, "change", what)
		return p.wait(ctx, op, a)
	}
	// Add before remove: the name never lacks our address on the way.
	if len(st.add) > 0 {
		if err := call("add records", func() (*hcloud.Action, *hcloud.Response, error) {
			return p.once.Zone.AddRRSetRecords(ctx, ref, hcloud.ZoneRRSetAddRecordsOpts{Records: st.add})
		}); err != nil {
			return err
		}
	}
	if st.set != nil {
		if err := call("set records", func() (*hcloud.Action, *hcloud.Response, error) {
			return p.once.Zone.SetRRSetRecords(ctx, ref, hcloud.ZoneRRSetSetRecordsOpts{Records: st.set})
		}); err != nil {
			return err
		}
	}
	if len(st.remove) > 0 {
		if err := call("remove records", func() (*hcloud.Action, *hcloud.Response, error) {
			return p.once.Zone.RemoveRRSetRecords(ctx, ref, hcloud.ZoneRRSetRemoveRecordsOpts{Records: st.remove})
		}); err != nil {
			return err
		}
	}
	if st.ttl {
		if err := call("change ttl", func() (*hcloud.Action, *hcloud.Response, error) {
			return p.once.Zone.ChangeRRSetTTL(ctx, ref, hcloud.ZoneRRSetChangeTTLOpts{TTL: w.TTL})
		}); err != nil {
			return err
		}
	}
	if st.label {
		labels := maps.Clone(wd.set.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		labels[OwnerLabel] = w.Owner
		return p.setLabels(ctx, ref, labels)
	}
	return nil
}

// setLabels replaces an RRset's labels: idempotent, so the retrying client
// sends it.
func (p *Provider) setLabels(ctx context.Context, ref *hcloud.ZoneRRSet, labels map[string]string) error {
	if _, _, err := p.api.Zone.UpdateRRSet(ctx, ref, hcloud.ZoneRRSetUpdateOpts{Labels: labels}); err != nil {
		return p.wrap(fmt.Sprintf("label rrset %q in zone %s", ref.Name+"/"+string(ref.Type), ref.Zone.Name), err)
	}
	return nil
}

// wait waits for an action to finish, reporting progress.
func (p *Provider) wait(ctx context.Context, what string, a *hcloud.Action) error {
	if a == nil || a.ID == 0 {
		return nil
	}
	start := time.Now()
	err := p.api.Action.WaitForFunc(ctx, func(a *hcloud.Action) error {
		if a.Status == hcloud.ActionStatusRunning {
			ensure.Report(ctx, "waiting for %s: %s %d%% (%s)", what, a.Command, a.Progress, time.Since(start).Round(time.Second))
		}
		if a.Status == hcloud.ActionStatusError {
			return a.Error()
		}
		return nil
	}, a)
	if err != nil {
		return fmt.Errorf("wait for %s: %w", what, p.wrap(what, err))
	}
	return nil
}

// pause waits before looking again after the n-th failure.
func (p *Provider) pause(ctx context.Context, n int, cause error) error {
	d := min(p.cfg.retryBase<<min(n-1, 10), 30*time.Second)
	ensure.Report(ctx, "hetzner dns: looking again in %s after: %v", d, cause)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
