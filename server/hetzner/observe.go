package hetzner

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"golang.org/x/crypto/ssh"
	"golang.org/x/sync/errgroup"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// world is what exists for a spec, read before anything is changed.
type world struct {
	spec  server.Spec
	stype *hcloud.ServerType
	loc   *hcloud.Location
	image *hcloud.Image

	keyFP     string
	key       *hcloud.SSHKey // the login key, found by fingerprint
	keyByName *hcloud.SSHKey // whatever holds spec.SSHKeyName
	fw        *hcloud.Firewall
	srv       *hcloud.Server
}

// observe validates the spec against the vendor and reads everything Ensure
// and Plan need. It sends no mutating request. The reads don't depend on
// each other, so they go out together: a converged world costs one round
// trip, not seven.
//
// With usePrimed — Ensure's call — what Validate read for the spec moments
// ago stands in for the reads (see observePrimed). Plan and Lookup read for
// themselves: no preflight comes before them, so a primed read would only
// be the leftover of one that failed elsewhere.
func (p *Provider) observe(ctx context.Context, spec server.Spec, usePrimed bool) (*world, error) {
	spec = spec.WithDefaults()
	if err := p.checkSpec(spec); err != nil {
		return nil, err
	}
	w := &world{spec: spec, keyFP: ssh.FingerprintLegacyMD5(spec.SSHKey)}
	if usePrimed {
		if pr, ok := p.primed.Take(primeKey(spec)); ok {
			return p.observePrimed(ctx, w, pr)
		}
	}
	pr, key, lookErr := p.readWorld(ctx, spec, w.keyFP)
	// The catalog is checked first, as the reads went before: a bad spec
	// is reported as such even when a look-up failed too.
	if err := p.fromRead(ctx, w, pr); err != nil {
		return nil, err
	}
	if lookErr != nil {
		return nil, lookErr
	}
	w.key = key
	if w.key == nil && w.keyByName != nil && w.keyByName.Fingerprint == w.keyFP {
		w.key = w.keyByName // uploaded between the two look-ups
	}
	return w, nil
}

// observePrimed completes w from what Validate read moments ago: only the
// login key, unknown then, may need a read — none when the key under the
// spec's name is this one, as on every run after the first.
func (p *Provider) observePrimed(ctx context.Context, w *world, pr *primed) (*world, error) {
	if err := p.fromRead(ctx, w, pr); err != nil {
		return nil, err
	}
	if w.keyByName != nil && w.keyByName.Fingerprint == w.keyFP {
		w.key = w.keyByName
		return w, nil
	}
	var err error
	if w.key, _, err = p.api.SSHKey.GetByFingerprint(ctx, w.keyFP); err != nil {
		return nil, fmt.Errorf("look up ssh key: %w", p.convert(err))
	}
	return w, nil
}

// checkSpec checks what needs no request: the spec (with its defaults) and
// that there is a token.
func (p *Provider) checkSpec(spec server.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if p.token.IsZero() {
		return ensure.Invalid("hetzner.token", "", "missing", "create an API token with read & write access in the Hetzner Cloud console (Security → API tokens)")
	}
	return nil
}

// readWorld sends every read a spec needs in one round: the catalog
// (location, server type, image by name for every architecture), the key
// under the spec's key name, the firewall and the server and, when fp is
// set, the key with that fingerprint. The catalog's answers and errors are
// in pr.r for preflight; the first failed look-up is lookErr. Not
// errgroup.WithContext: one failed look-up must not cancel the catalog
// reads, whose errors are reported first.
func (p *Provider) readWorld(ctx context.Context, spec server.Spec, fp string) (pr *primed, key *hcloud.SSHKey, lookErr error) {
	pr = &primed{}
	var g errgroup.Group
	g.Go(func() error {
		pr.r.loc, _, pr.r.locErr = p.api.Location.GetByName(ctx, spec.Location)
		return nil
	})
	g.Go(func() error {
		pr.r.stype, _, pr.r.stypeErr = p.api.ServerType.GetByName(ctx, spec.Type)
		return nil
	})
	g.Go(func() error {
		pr.r.images, pr.r.imagesErr = p.api.Image.AllWithOpts(ctx, hcloud.ImageListOpts{Name: spec.Image, IncludeDeprecated: true})
		return nil
	})
	if fp != "" {
		g.Go(func() (err error) {
			if key, _, err = p.api.SSHKey.GetByFingerprint(ctx, fp); err != nil {
				return fmt.Errorf("look up ssh key: %w", p.convert(err))
			}
			return nil
		})
	}
	g.Go(func() (err error) {
		if pr.keyByName, _, err = p.api.SSHKey.GetByName(ctx, spec.SSHKeyName); err != nil {
			return fmt.Errorf("look up ssh key %q: %w", spec.SSHKeyName, p.convert(err))
		}
		return nil
	})
	g.Go(func() (err error) {
		if pr.fw, _, err = p.api.Firewall.GetByName(ctx, spec.Name); err != nil {
			return fmt.Errorf("look up firewall %q: %w", spec.Name, p.convert(err))
		}
		return nil
	})
	g.Go(func() (err error) {
		if pr.srv, _, err = p.api.Server.GetByName(ctx, spec.Name); err != nil {
			return fmt.Errorf("look up server %q: %w", spec.Name, p.convert(err))
		}
		return nil
	})
	return pr, key, g.Wait()
}

// fromRead puts what readWorld found into w and checks the catalog part.
func (p *Provider) fromRead(ctx context.Context, w *world, pr *primed) error {
	w.keyByName, w.fw, w.srv = pr.keyByName, pr.fw, pr.srv
	return p.preflight(ctx, w, pr.r)
}

// reads are the catalog look-ups observe sends together with the rest.
type reads struct {
	loc       *hcloud.Location
	locErr    error
	stype     *hcloud.ServerType
	stypeErr  error
	images    []*hcloud.Image
	imagesErr error
}

// preflight checks location, server type (and its availability there) and
// image against the vendor's catalog, from the reads observe made. Each
// failure lists the valid choices.
func (p *Provider) preflight(ctx context.Context, w *world, r reads) error {
	spec := w.spec
	if r.locErr != nil {
		return fmt.Errorf("check location: %w", p.convert(r.locErr))
	}
	loc := r.loc
	if loc == nil {
		all, err := p.api.Location.All(ctx)
		if err != nil {
			return fmt.Errorf("list locations: %w", p.convert(err))
		}
		var names []string
		for _, l := range all {
			names = append(names, l.Name)
		}
		return ensure.Invalid("server.location", spec.Location, "no such location", "use one of: "+strings.Join(names, ", "))
	}
	w.loc = loc
	if r.stypeErr != nil {
		return fmt.Errorf("check server type: %w", p.convert(r.stypeErr))
	}
	st := r.stype
	if st == nil {
		all, err := p.api.ServerType.All(ctx)
		if err != nil {
			return fmt.Errorf("list server types: %w", p.convert(err))
		}
		return ensure.Invalid("server.type", spec.Type, "no such server type", "use one of the types offered in "+spec.Location+": "+strings.Join(typesIn(all, spec.Location), ", "))
	}
	if !orderable(st, spec.Location) {
		var where []string
		for _, tl := range st.Locations {
			if orderable(st, tl.Location.Name) {
				where = append(where, tl.Location.Name)
			}
		}
		all, err := p.api.ServerType.All(ctx)
		if err != nil {
			return fmt.Errorf("list server types: %w", p.convert(err))
		}
		fix := "use one of the types offered in " + spec.Location + ": " + strings.Join(typesIn(all, spec.Location), ", ")
		if len(where) > 0 {
			fix += "; or put " + spec.Type + " in " + strings.Join(where, ", ")
		}
		return ensure.Invalid("server.type", spec.Type, "not available (or deprecated) in location "+spec.Location, fix)
	}
	if need := spec.MinMemory; need > 0 && int64(float64(st.Memory)*(1<<30)) < need {
		all, err := p.api.ServerType.All(ctx)
		if err != nil {
			return fmt.Errorf("list server types: %w", p.convert(err))
		}
		var big []string
		for _, t := range all {
			if orderable(t, spec.Location) && t.Architecture == st.Architecture && int64(float64(t.Memory)*(1<<30)) >= need {
				big = append(big, t.Name)
			}
		}
		return ensure.Invalid("server.type", spec.Type,
			fmt.Sprintf("has %g GB of memory, and the server must have %.1f GiB (it is also the Docker builder)", st.Memory, float64(need)/(1<<30)),
			"use one of: "+strings.Join(big, ", ")+"; or lower the builder's MinMemory")
	}
	w.stype = st
	img := imageFor(r.images, st.Architecture)
	if r.imagesErr != nil || img == nil {
		// Not listed by name for this architecture (or the list failed): ask
		// as hcloud-go does, which also takes an image ID.
		var err error
		if img, _, err = p.api.Image.GetForArchitecture(ctx, spec.Image, st.Architecture); err != nil {
			return fmt.Errorf("check image: %w", p.convert(err))
		}
	}
	if img == nil {
		imgs, err := p.api.Image.AllWithOpts(ctx, hcloud.ImageListOpts{Type: []hcloud.ImageType{hcloud.ImageTypeSystem}, Architecture: []hcloud.Architecture{st.Architecture}})
		if err != nil {
			return fmt.Errorf("list images: %w", p.convert(err))
		}
		var names []string
		for _, im := range imgs {
			if !slices.Contains(names, im.Name) {
				names = append(names, im.Name)
			}
		}
		slices.Sort(names)
		return ensure.Invalid("server.image", spec.Image, "no such image for "+string(st.Architecture)+" ("+spec.Type+")", "use one of: "+strings.Join(names, ", "))
	}
	w.image = img
	return nil
}

// imageFor returns the first image of the list built for arch, as
// hcloud-go's GetByNameAndArchitecture would.
func imageFor(imgs []*hcloud.Image, arch hcloud.Architecture) *hcloud.Image {
	for _, im := range imgs {
		if im.Architecture == arch {
			return im
		}
	}
	return nil
}

// orderable reports whether st can be ordered in location: offered there,
// available, and not deprecated there.
func orderable(st *hcloud.ServerType, location string) bool {
	for _, tl := range st.Locations {
		if tl.Location != nil && tl.Location.Name == location {
			return tl.Available && !tl.IsDeprecated()
		}
	}
	return false
}

func typesIn(all []*hcloud.ServerType, location string) []string {
	var out []string
	for _, st := range all {
		if orderable(st, location) {
			out = append(out, st.Name)
		}
	}
	return out
}

func owned(labels map[string]string, spec server.Spec) bool {
	return server.OwnedBy(labels, spec.Owner)
}

// wantRules converts the spec's rules to Hetzner's.
func wantRules(rules []server.Rule) []hcloud.FirewallRule {
	out := make([]hcloud.FirewallRule, 0, len(rules))
	for _, r := range rules {
		n := r.Normalize()
		hr := hcloud.FirewallRule{Direction: hcloud.FirewallRuleDirectionIn, Protocol: hcloud.FirewallRuleProtocol(n.Protocol)}
		for _, src := range n.Sources {
			_, ipn, _ := net.ParseCIDR(src.String())
			hr.SourceIPs = append(hr.SourceIPs, *ipn)
		}
		if n.Port != "" {
			port := n.Port
			hr.Port = &port
		}
		if r.Description != "" {
			d := r.Description
			hr.Description = &d
		}
		out = append(out, hr)
	}
	return out
}

// haveRules converts Hetzner's rules to the spec's form; outbound rules are
// kept with protocol "out:…" so they never equal a spec rule (we own every
// rule of our firewall, so an outbound rule is drift).
func haveRules(rules []hcloud.FirewallRule) []server.Rule {
	out := make([]server.Rule, 0, len(rules))
	for _, r := range rules {
		sr := server.Rule{Protocol: string(r.Protocol)}
		if r.Direction != hcloud.FirewallRuleDirectionIn {
			sr.Protocol = "out:" + sr.Protocol
		}
		if r.Port != nil {
			sr.Port = *r.Port
		}
		ips := r.SourceIPs
		if r.Direction != hcloud.FirewallRuleDirectionIn {
			ips = r.DestinationIPs
		}
		for _, n := range ips {
			if pfx, err := netip.ParsePrefix(n.String()); err == nil {
				sr.Sources = append(sr.Sources, pfx)
			}
		}
		if len(sr.Sources) == 0 {
			sr.Sources = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")} // nothing: not "anywhere"
		}
		out = append(out, sr)
	}
	return out
}

// labelDrift returns the labels the server should have (its own plus the
// spec's) and whether they differ from what it has.
func labelDrift(have map[string]string, spec server.Spec) (map[string]string, bool) {
	want := make(map[string]string, len(have)+len(spec.Labels))
	for k, v := range have {
		want[k] = v
	}
	drift := false
	for k, v := range spec.OwnedLabels() {
		if have[k] != v {
			drift = true
		}
		want[k] = v
	}
	return want, drift
}

// replaceDiffs lists what differs between srv and spec that can't change in
// place.
func replaceDiffs(srv *hcloud.Server, spec server.Spec) []string {
	var d []string
	if srv.ServerType != nil && srv.ServerType.Name != spec.Type {
		d = append(d, fmt.Sprintf("type: %s → %s", srv.ServerType.Name, spec.Type))
	}
	if srv.Location != nil && srv.Location.Name != spec.Location {
		d = append(d, fmt.Sprintf("location: %s → %s", srv.Location.Name, spec.Location))
	}
	if srv.Image != nil && srv.Image.Name != "" && srv.Image.Name != spec.Image {
		d = append(d, fmt.Sprintf("image: %s → %s", srv.Image.Name, spec.Image))
	}
	return d
}

// firewallOn reports whether fw is applied to srv.
func firewallOn(fw *hcloud.Firewall, srv *hcloud.Server) bool {
	for _, f := range srv.PublicNet.Firewalls {
		if f.Firewall.ID == fw.ID {
			return true
		}
	}
	return false
}
