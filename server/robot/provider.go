package robot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
)

// Provider makes a Hetzner Robot dedicated server ready for Kamal.
type Provider struct {
	cfg config
	c   *Client
}

var (
	_ server.Provider  = (*Provider)(nil)
	_ server.Planner   = (*Provider)(nil)
	_ server.Destroyer = (*Provider)(nil)
)

// New returns a provider for the Robot webservice user and its password.
func New(user string, password secret.Value, opts ...Option) *Provider {
	cfg := newConfig(opts)
	return &Provider{cfg: cfg, c: &Client{cfg: cfg, user: user, password: password}}
}

// Client returns the webservice client the provider uses.
func (p *Provider) Client() *Client { return p.c }

// plan is what the provider found before changing anything.
type plan struct {
	spec     server.Spec
	owner    string
	keyName  string
	keyData  string
	keyFP    string
	key      *Key         // nil: not uploaded yet
	srv      *Server      // nil: must be ordered
	txn      *Transaction // an order of ours for a server not yet named
	orderFPs []string     // host key fingerprints from our order
	order    Order
	rules    []FirewallRule
}

func (p *Provider) prepare(ctx context.Context, spec server.Spec) (*plan, error) {
	if err := p.c.checkCredentials(); err != nil {
		return nil, err
	}
	pl := &plan{spec: spec, owner: spec.Owner}
	if pl.owner == "" {
		return nil, ensure.Invalid("server.owner", "", "missing", "use the recipe's name; it marks the key and firewall rules as ours")
	}
	if len(rulePrefix(pl.owner)) > 30 || strings.ContainsAny(pl.owner, " \t\n()") {
		return nil, ensure.Invalid("server.owner", pl.owner, "must be at most 20 characters without spaces or parentheses", "Robot firewall rule names are short; use a shorter recipe name")
	}
	if spec.SSHKey == nil {
		return nil, ensure.Invalid("server.ssh_key", "", "missing", "pass the public half of the login key")
	}
	if p.cfg.number == 0 && strings.TrimSpace(spec.Name) == "" {
		return nil, ensure.Invalid("server.name", "", "missing", "name the server as it is named in Robot, or use WithServerNumber")
	}
	if p.cfg.pinned == nil && p.cfg.hostKeyCB == nil && (p.cfg.number != 0 || p.cfg.order == nil) {
		return nil, ensure.Invalid("robot host key", "", "no way to verify the server's SSH host key (Robot cannot install a known one)",
			"use WithPinnedHostKey with a key you know, or WithHostKeyCallback to be shown the key and accept it")
	}
	fw := spec.Firewall
	if fw == nil {
		fw = server.DefaultFirewall()
	}
	rules, err := FirewallRules(pl.owner, fw)
	if err != nil {
		return nil, err
	}
	if len(rules) > MaxRules {
		return nil, ensure.Invalid("server.firewall", strconv.Itoa(len(fw))+" rules", fmt.Sprintf("Robot allows %d inbound rules and %d are needed for replies", MaxRules, len(ReplyRules(pl.owner))),
			"merge rules into port ranges or fewer source networks")
	}
	pl.rules = rules
	pl.keyName = spec.SSHKeyName
	if pl.keyName == "" {
		pl.keyName = pl.owner
	}
	pl.keyName += " (assemble:" + pl.owner + ")"
	pl.keyData = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spec.SSHKey)))
	pl.keyFP = ssh.FingerprintLegacyMD5(spec.SSHKey)

	key, err := p.c.Key(ctx, pl.keyFP)
	switch {
	case err == nil:
		pl.key = key
	case errors.Is(err, ensure.ErrNotFound):
	default:
		return nil, fmt.Errorf("look up ssh key %s: %w", pl.keyFP, err)
	}

	if err := p.findServer(ctx, pl, p.cfg.order != nil); err != nil {
		return nil, err
	}
	if pl.srv == nil && p.cfg.order == nil {
		return nil, fmt.Errorf("find robot server %q: no server has that name: %w; name the server in Robot, use WithServerNumber, or WithOrder to buy one", spec.Name, ensure.ErrNotFound)
	}
	if pl.srv == nil && pl.txn == nil {
		if err := p.checkOrder(ctx, pl); err != nil {
			return nil, err
		}
	}
	return pl, nil
}

// findServer finds the server by number or name. With orders, it also
// finds an order of ours: one whose server is not named yet (pl.txn), or
// the host key fingerprints of the server it produced (pl.orderFPs) when
// nothing else can verify the host key.
func (p *Provider) findServer(ctx context.Context, pl *plan, orders bool) error {
	if p.cfg.number != 0 {
		s, err := p.c.Server(ctx, p.cfg.number)
		if err != nil {
			return fmt.Errorf("look up robot server %d: %w", p.cfg.number, err)
		}
		pl.srv = s
		return nil
	}
	all, err := p.c.Servers(ctx)
	if err != nil {
		return fmt.Errorf("list robot servers: %w", err)
	}
	var found []Server
	for _, s := range all {
		if s.Name == pl.spec.Name && !s.Cancelled {
			found = append(found, s)
		}
	}
	if len(found) > 1 {
		nums := make([]string, len(found))
		for i, s := range found {
			nums[i] = strconv.Itoa(s.Number)
		}
		return fmt.Errorf("find robot server %q: %d servers have that name (%s): %w; rename all but one in Robot or use WithServerNumber",
			pl.spec.Name, len(found), strings.Join(nums, ", "), ensure.ErrConflict)
	}
	if len(found) == 1 {
		pl.srv = &found[0]
	}
	needFPs := pl.srv != nil && p.cfg.pinned == nil && p.cfg.hostKeyCB == nil
	if !orders || (pl.srv != nil && !needFPs) {
		return nil
	}
	// An earlier run may have ordered it already.
	ts, err := p.c.Transactions(ctx)
	if err != nil {
		return fmt.Errorf("list robot orders: %w", err)
	}
	comment := orderComment(pl.owner, pl.spec.Name)
	for i := range ts {
		t := ts[i]
		if t.Comment != comment || t.Status == "cancelled" {
			continue
		}
		if pl.srv != nil {
			if t.ServerNumber == pl.srv.Number {
				pl.orderFPs = t.HostKeys
			}
			continue
		}
		pl.txn = &t
		if t.Status == "ready" && t.ServerNumber != 0 {
			s, err := p.c.Server(ctx, t.ServerNumber)
			if err != nil {
				return fmt.Errorf("look up ordered robot server %d: %w", t.ServerNumber, err)
			}
			pl.srv = s
		}
	}
	return nil
}

func orderComment(owner, name string) string { return "assemble:" + owner + "/" + name }

// checkOrder validates the order against Robot's catalogue.
func (p *Provider) checkOrder(ctx context.Context, pl *plan) error {
	o := p.cfg.order.withDefaults()
	ps, err := p.c.Products(ctx)
	if err != nil {
		return fmt.Errorf("list robot products: %w", err)
	}
	var prod *Product
	ids := make([]string, 0, len(ps))
	for i := range ps {
		ids = append(ids, ps[i].ID)
		if strings.EqualFold(ps[i].ID, o.Product) {
			prod = &ps[i]
		}
	}
	if prod == nil {
		return ensure.Invalid("robot order.product", o.Product, "not offered", "use one of: "+strings.Join(ids, ", "))
	}
	o.Product = prod.ID
	pick := func(field, v string, from []string) (string, error) {
		for _, x := range from {
			if strings.EqualFold(x, v) {
				return x, nil
			}
		}
		return "", ensure.Invalid("robot order."+field, v, "not available for "+prod.ID, "use one of: "+strings.Join(from, ", "))
	}
	if o.Location, err = pick("location", o.Location, prod.Locations); err != nil {
		return err
	}
	if o.Dist, err = pick("dist", o.Dist, prod.Dist); err != nil {
		return err
	}
	if o.Lang, err = pick("lang", o.Lang, prod.Lang); err != nil {
		return err
	}
	addons := make([]string, 0, len(prod.Addons))
	for _, a := range prod.Addons {
		addons = append(addons, a.ID)
	}
	for _, a := range o.addons() {
		if _, err := pick("addons", a, addons); err != nil {
			return err
		}
	}
	pl.order = o
	return nil
}

func orderDetail(o Order) string {
	d := o.Product + " in " + o.Location + ", " + o.Dist
	if o.IPv6Only {
		return d + ", IPv6 only"
	}
	return d + ", with IPv4"
}

// sshAddr is where SSH answers: the main IPv4, else ::2 of the /64, where
// Hetzner's installimage puts an IPv6-only server.
func sshAddr(s *Server) string {
	if s.IPv4.IsValid() {
		return net.JoinHostPort(s.IPv4.String(), "22")
	}
	a := s.IPv6.Addr().As16()
	a[15] |= 2
	return net.JoinHostPort(netip.AddrFrom16(a).String(), "22")
}

func (p *Provider) result(pl *plan, s *Server, hostKey ssh.PublicKey) *server.Server {
	user := pl.spec.User
	if user == "" {
		user = "root"
	}
	arch := "amd64"
	if strings.HasPrefix(strings.ToUpper(s.Product), "RX") {
		arch = "arm64"
	}
	loc, _, _ := strings.Cut(s.DC, "-")
	return &server.Server{
		ID: strconv.Itoa(s.Number), Name: s.Name, IPv4: s.IPv4, IPv6: s.IPv6, Arch: arch,
		SSHAddr: sshAddr(s), User: user, HostKey: hostKey, Type: s.Product, Location: strings.ToLower(loc),
	}
}
