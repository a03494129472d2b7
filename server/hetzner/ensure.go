package hetzner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Ensure makes the SSH key, firewall and server exist as spec says, waits
// until the server runs and SSH answers with the pinned host key, and
// returns the server. A second call on a converged world sends no mutating
// request and returns ensure.Unchanged.
func (p *Provider) Ensure(ctx context.Context, spec server.Spec) (*server.Server, ensure.Op, error) {
	srv, op, err := p.ensure(ctx, spec)
	if err != nil {
		return nil, op, fmt.Errorf("ensure server %q: %w", spec.Name, err)
	}
	return srv, op, nil
}

func (p *Provider) ensure(ctx context.Context, spec server.Spec) (*server.Server, ensure.Op, error) {
	w, err := p.observe(ctx, spec, true)
	if err != nil {
		return nil, "", err
	}
	spec = w.spec
	if err := w.conflicts(); err != nil {
		return nil, "", err
	}
	if w.srv != nil {
		if d := replaceDiffs(w.srv, spec); len(d) > 0 {
			return nil, "", &ReplaceRequiredError{Name: spec.Name, Diffs: d}
		}
		server.ReportAddress(ctx, toServer(w.srv, spec, p.cfg.sshPort))
	}
	// Everything knowable is checked; from here on, changes.
	keyOp, err := p.ensureKey(ctx, w)
	if err != nil {
		return nil, "", err
	}
	fwOp, err := p.ensureFirewall(ctx, w)
	if err != nil {
		return nil, ensure.Merge(keyOp, fwOp), err
	}
	srvOp, err := p.ensureServer(ctx, w)
	if err != nil {
		return nil, ensure.Merge(keyOp, fwOp, srvOp), err
	}
	op := ensure.Merge(keyOp, fwOp, srvOp)
	// A server found running and left alone needs no second read.
	reread := srvOp != ensure.Unchanged || w.srv.Status != hcloud.ServerStatusRunning
	out, err := p.finish(ctx, w, reread)
	return out, op, err
}

// ensureKey makes the login key exist (found by fingerprint, under any name).
func (p *Provider) ensureKey(ctx context.Context, w *world) (ensure.Op, error) {
	if w.key != nil {
		return ensure.Unchanged, nil
	}
	spec := w.spec
	pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spec.SSHKey)))
	err := p.create(ctx, "ssh key "+strconv.Quote(spec.SSHKeyName), func() error {
		k, _, err := p.once.SSHKey.Create(ctx, hcloud.SSHKeyCreateOpts{Name: spec.SSHKeyName, PublicKey: pub, Labels: spec.OwnedLabels()})
		w.key = k
		return err
	}, func() (bool, error) {
		k, _, err := p.api.SSHKey.GetByFingerprint(ctx, w.keyFP)
		w.key = k
		return k != nil, err
	})
	if err != nil {
		return "", err
	}
	p.debug("hetzner ssh key created", "name", w.key.Name, "id", w.key.ID)
	return ensure.Created, nil
}

// ensureFirewall makes the firewall exist with exactly the spec's rules.
func (p *Provider) ensureFirewall(ctx context.Context, w *world) (ensure.Op, error) {
	spec := w.spec
	name := "firewall " + strconv.Quote(spec.Name)
	if w.fw == nil {
		var res hcloud.FirewallCreateResult
		err := p.create(ctx, name, func() error {
			var err error
			res, _, err = p.once.Firewall.Create(ctx, hcloud.FirewallCreateOpts{Name: spec.Name, Labels: spec.OwnedLabels(), Rules: wantRules(spec.Firewall)})
			w.fw = res.Firewall
			return err
		}, func() (bool, error) {
			fw, _, err := p.api.Firewall.GetByName(ctx, spec.Name)
			if fw != nil && !owned(fw.Labels, spec) {
				return false, &ConflictError{Kind: "firewall", Name: spec.Name, Reason: "appeared while we were creating it and is not ours"}
			}
			w.fw = fw
			return fw != nil, err
		})
		if err != nil {
			return "", err
		}
		if err := p.waitActions(ctx, name, res.Actions...); err != nil {
			return ensure.Created, err
		}
		return ensure.Created, nil
	}
	op := ensure.Unchanged
	have := haveRules(w.fw.Rules)
	if !server.SameRules(have, spec.Firewall) {
		p.debug("hetzner firewall drift", "name", spec.Name, "diff", server.DiffRules(have, spec.Firewall))
		var acts []*hcloud.Action
		err := p.again(ctx, func() (err error) {
			acts, _, err = p.api.Firewall.SetRules(ctx, w.fw, hcloud.FirewallSetRulesOpts{Rules: wantRules(spec.Firewall)})
			return err
		})
		if err != nil {
			return "", fmt.Errorf("set rules of %s: %w", name, err)
		}
		if err := p.waitActions(ctx, "rules of "+name, acts...); err != nil {
			return ensure.Updated, err
		}
		op = ensure.Updated
	}
	if labels, drift := labelDrift(w.fw.Labels, spec); drift {
		var fw *hcloud.Firewall
		err := p.again(ctx, func() (err error) {
			fw, _, err = p.api.Firewall.Update(ctx, w.fw, hcloud.FirewallUpdateOpts{Labels: labels})
			return err
		})
		if err != nil {
			return op, fmt.Errorf("label %s: %w", name, err)
		}
		w.fw.Labels = fw.Labels
		op = ensure.Updated
	}
	return op, nil
}

// ensureServer creates the server (with the firewall applied from the first
// boot) or brings an existing one in line: labels, firewall, power.
func (p *Provider) ensureServer(ctx context.Context, w *world) (ensure.Op, error) {
	spec := w.spec
	name := "server " + strconv.Quote(spec.Name)
	if w.srv == nil {
		hk, err := server.NewHostKey(nil)
		if err != nil {
			return "", err
		}
		ud, err := server.CloudInit{HostKey: hk, User: spec.User, AuthorizedKey: spec.SSHKey, Builder: spec.Builder}.Render()
		if err != nil {
			return "", err
		}
		labels := spec.OwnedLabels()
		labels[server.HostKeyLabel] = hk.LabelValue()
		opts := hcloud.ServerCreateOpts{
			Name: spec.Name, ServerType: w.stype, Image: w.image, Location: w.loc,
			SSHKeys: []*hcloud.SSHKey{w.key}, Labels: labels, UserData: ud.Reveal(),
			Firewalls: []*hcloud.ServerCreateFirewall{{Firewall: hcloud.Firewall{ID: w.fw.ID}}},
			// PublicNet left unset: IPv4 and IPv6 both on.
		}
		var res hcloud.ServerCreateResult
		err = p.create(ctx, name, func() error {
			var err error
			res, _, err = p.once.Server.Create(ctx, opts)
			w.srv = res.Server
			return err
		}, func() (bool, error) {
			s, _, err := p.api.Server.GetByName(ctx, spec.Name)
			if s != nil && !owned(s.Labels, spec) {
				return false, &ConflictError{Kind: "server", Name: spec.Name, Reason: "appeared while we were creating it and is not ours"}
			}
			w.srv = s
			return s != nil, err
		})
		if err != nil {
			return "", err
		}
		p.debug("hetzner server created", "name", spec.Name, "id", w.srv.ID)
		server.ReportAddress(ctx, toServer(w.srv, spec, p.cfg.sshPort))
		acts := append([]*hcloud.Action{res.Action}, res.NextActions...)
		if err := p.waitActions(ctx, name+" to be created", acts...); err != nil {
			return ensure.Created, err
		}
		return ensure.Created, nil
	}
	op := ensure.Unchanged
	if labels, drift := labelDrift(w.srv.Labels, spec); drift {
		var s *hcloud.Server
		err := p.again(ctx, func() (err error) {
			s, _, err = p.api.Server.Update(ctx, w.srv, hcloud.ServerUpdateOpts{Labels: labels})
			return err
		})
		if err != nil {
			return op, fmt.Errorf("label %s: %w", name, err)
		}
		w.srv.Labels = s.Labels
		op = ensure.Updated
	}
	if !firewallOn(w.fw, w.srv) {
		var acts []*hcloud.Action
		err := p.again(ctx, func() (err error) {
			acts, _, err = p.api.Firewall.ApplyResources(ctx, w.fw, []hcloud.FirewallResource{{
				Type: hcloud.FirewallResourceTypeServer, Server: &hcloud.FirewallResourceServer{ID: w.srv.ID},
			}})
			return err
		})
		if err != nil && !isCode(err, "firewall_already_applied") {
			return op, fmt.Errorf("apply firewall %q to %s: %w", spec.Name, name, err)
		}
		if err := p.waitActions(ctx, "firewall on "+name, acts...); err != nil {
			return ensure.Updated, err
		}
		op = ensure.Updated
	}
	if w.srv.Status == hcloud.ServerStatusOff {
		a, _, err := p.once.Server.Poweron(ctx, w.srv)
		if err != nil {
			return op, fmt.Errorf("power on %s: %w", name, p.convert(err))
		}
		if err := p.waitActions(ctx, name+" to start", a); err != nil {
			return ensure.Updated, err
		}
		op = ensure.Updated
	}
	return op, nil
}

// finish waits until the server runs and SSH answers with the pinned key;
// reread says the server may have changed since it was last read.
func (p *Provider) finish(ctx context.Context, w *world, reread bool) (*server.Server, error) {
	spec := w.spec
	cur := w.srv
	if reread {
		var err error
		if cur, _, err = p.api.Server.GetByID(ctx, w.srv.ID); err != nil {
			return nil, fmt.Errorf("read server: %w", p.convert(err))
		}
		if cur == nil {
			return nil, fmt.Errorf("read server %d: %w", w.srv.ID, ensure.ErrNotFound)
		}
	}
	srv, err := p.waitRunning(ctx, cur)
	if err != nil {
		return nil, err
	}
	out := toServer(srv, spec, p.cfg.sshPort)
	if p.cfg.skipSSH {
		return out, nil
	}
	if out.HostKeyFingerprint == "" {
		return nil, fmt.Errorf("server %d has no %s label: its host key can't be verified (was it created outside assemble?): %w", srv.ID, server.HostKeyLabel, ensure.ErrPrecondition)
	}
	if out.SSHAddr == "" {
		return nil, fmt.Errorf("server %d has no public IPv4 address to reach SSH on: %w", srv.ID, ensure.ErrPrecondition)
	}
	sshCtx, cancel := context.WithTimeout(ctx, p.cfg.sshTimeout)
	defer cancel()
	opts := []server.WaitOption{
		server.WithDial(p.cfg.dial), server.WithAttemptTimeout(p.cfg.sshAttempt),
		server.WithBackoff(p.cfg.sshMin, p.cfg.sshMax), server.WithWhat(fmt.Sprintf("server %q (%s)", spec.Name, out.SSHAddr)),
	}
	if p.cfg.sshSigner != nil {
		opts = append(opts, server.WithLogin(spec.User, p.cfg.sshSigner))
	}
	key, err := server.WaitSSH(sshCtx, out.SSHAddr, out.HostKeyFingerprint, opts...)
	if err != nil {
		if ctx.Err() == nil && errors.Is(sshCtx.Err(), context.DeadlineExceeded) && !errors.Is(err, ensure.ErrTimeout) {
			err = errors.Join(err, ensure.ErrTimeout)
		}
		return nil, err
	}
	out.HostKey = key
	return out, nil
}

func toServer(s *hcloud.Server, spec server.Spec, port string) *server.Server {
	out := &server.Server{
		ID: strconv.FormatInt(s.ID, 10), Name: s.Name, User: spec.User, Labels: s.Labels,
		HostKeyFingerprint: server.FingerprintFromLabel(s.Labels[server.HostKeyLabel]),
	}
	if s.ServerType != nil {
		out.Type = s.ServerType.Name
		out.Arch = server.Arch(string(s.ServerType.Architecture))
	}
	if s.Location != nil {
		out.Location = s.Location.Name
	}
	if ip, ok := netip.AddrFromSlice(s.PublicNet.IPv4.IP); ok && !s.PublicNet.IPv4.IsUnspecified() {
		out.IPv4 = ip.Unmap()
		out.SSHAddr = net.JoinHostPort(out.IPv4.String(), port)
	}
	if n := s.PublicNet.IPv6.Network; n != nil {
		if pfx, err := netip.ParsePrefix(n.String()); err == nil {
			out.IPv6 = pfx
		}
	}
	return out
}

// create runs do; when it fails in a way that may have committed (network
// error, lost response, 5xx, conflict) or is worth retrying, it first looks
// for the resource with find and only tries again when it isn't there.
func (p *Provider) create(ctx context.Context, what string, do func() error, find func() (bool, error)) error {
	tries := p.cfg.retries + 1
	var err error
	wait := p.cfg.retryBase
	for i := 0; i < tries; i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("create %s: %w (last error: %v)", what, ctx.Err(), err)
			case <-t.C:
			}
			wait = min(wait*2, 60*time.Second)
		}
		err = p.convert(do())
		if err == nil {
			return nil
		}
		p.debug("hetzner create failed", "what", what, "err", err)
		if !mayHaveCommitted(err) && !retriable(err) {
			return fmt.Errorf("create %s: %w", what, err)
		}
		// Look before creating again: the create may have gone through.
		found, ferr := find()
		if ferr != nil {
			var ce *ConflictError
			if errors.As(ferr, &ce) {
				return fmt.Errorf("create %s: %w", what, ferr)
			}
			p.debug("hetzner look-up after failed create failed", "what", what, "err", p.convert(ferr))
			continue
		}
		if found {
			p.debug("hetzner create had gone through", "what", what)
			return nil
		}
		if !retriable(err) {
			return fmt.Errorf("create %s: %w", what, err)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("create %s: %w", what, err)
		}
	}
	return fmt.Errorf("create %s: gave up after %d tries: %w", what, tries, err)
}

// again runs an idempotent change (set rules, labels, delete) and repeats it
// on errors worth another try, including lost responses, which hcloud-go
// does not retry. hcloud-go already retries within each call, so this adds
// at most two more. It returns the converted error.
func (p *Provider) again(ctx context.Context, f func() error) error {
	wait := p.cfg.retryBase
	var err error
	for i := 0; i <= min(p.cfg.retries, 2); i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return errors.Join(err, ctx.Err())
			case <-t.C:
			}
			wait = min(wait*2, 60*time.Second)
		}
		if err = p.convert(f()); err == nil || !retriable(err) || ctx.Err() != nil {
			return err
		}
		p.debug("hetzner change failed; trying again", "err", err)
	}
	return err
}

// mayHaveCommitted reports whether a failed request may still have taken
// effect: its response was lost, or the server failed after accepting it.
func mayHaveCommitted(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case "uniqueness_error", "conflict", "server_error", "timeout", "bad_gateway", "unavailable":
			return true
		}
		return false
	}
	return true // transport error or status without an envelope
}

// retriable reports whether trying again (after looking) makes sense.
func retriable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case "conflict", "rate_limit_exceeded", "server_error", "timeout", "bad_gateway", "unavailable", "locked":
			return true
		}
		return false
	}
	return true
}
