package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/assemblekit/assemble/ensure"
)

// Verify defaults.
const (
	DefaultVerifyTimeout  = 5 * time.Minute
	DefaultVerifyInterval = 2 * time.Second
	DefaultQueryTimeout   = 3 * time.Second
	maxVerifyInterval     = 15 * time.Second
)

// VerifyOption configures Verify.
type VerifyOption func(*verifyConfig)

type verifyConfig struct {
	addrs        map[string]string
	resolve      func(ctx context.Context, nameserver string) ([]string, error)
	dial         func(ctx context.Context, network, address string) (net.Conn, error)
	timeout      time.Duration
	interval     time.Duration
	queryTimeout time.Duration
	changed      bool
}

// WithNameserverAddrs maps nameserver names to the host:port to ask instead
// of resolving them; with it, a nameserver missing from the map is an error,
// never a lookup. Test harnesses pass a simulator's NameserverAddrs here.
func WithNameserverAddrs(addrs map[string]string) VerifyOption {
	return func(c *verifyConfig) {
		c.addrs = make(map[string]string, len(addrs))
		for k, v := range addrs {
			c.addrs[canonicalName(k)] = v
		}
	}
}

// WithResolver sets how a nameserver name becomes the addresses (host:port)
// to ask; by default the system resolver is asked for its addresses and port
// 53 is used.
func WithResolver(f func(ctx context.Context, nameserver string) ([]string, error)) VerifyOption {
	return func(c *verifyConfig) { c.resolve = f }
}

// WithDialer sets how connections to nameservers are made ("udp" first,
// "tcp" when an answer is truncated).
func WithDialer(dial func(ctx context.Context, network, address string) (net.Conn, error)) VerifyOption {
	return func(c *verifyConfig) { c.dial = dial }
}

// WithTimeout sets how long Verify waits in all; DefaultVerifyTimeout by
// default. The context's deadline, if sooner, wins.
func WithTimeout(d time.Duration) VerifyOption { return func(c *verifyConfig) { c.timeout = d } }

// WithInterval sets the first pause between rounds of queries; it doubles
// each round up to 15 s. DefaultVerifyInterval by default.
func WithInterval(d time.Duration) VerifyOption { return func(c *verifyConfig) { c.interval = d } }

// AfterChange tells Verify the record was changed a moment ago: the first
// round of queries waits one interval instead of going out at once, since
// nameservers hardly ever serve a change the instant it is accepted. The
// DNS providers pass it after they create or update a record; a record found
// unchanged is checked at once.
func AfterChange() VerifyOption { return func(c *verifyConfig) { c.changed = true } }

// WithQueryTimeout bounds a single DNS query; DefaultQueryTimeout by default.
func WithQueryTimeout(d time.Duration) VerifyOption {
	return func(c *verifyConfig) { c.queryTimeout = d }
}

// VerifyError says which nameservers did not serve the record in time and
// what they answered. It unwraps to ensure.ErrTimeout, or to the context's
// error when the context ended first.
type VerifyError struct {
	Name, Type, Want string
	// Answers maps each nameserver that disagreed to its last answer, e.g.
	// "NXDOMAIN", "203.0.113.10 (not the expected address)", or a network
	// error.
	Answers map[string]string
	// Err is ensure.ErrTimeout or the context's error.
	Err error
}

// Error implements error, naming every nameserver that disagrees.
func (e *VerifyError) Error() string {
	ns := make([]string, 0, len(e.Answers))
	for n := range e.Answers {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprintf("nameserver %s answered %s", n, e.Answers[n])
	}
	return fmt.Sprintf("verify dns record %s %s → %s: %v: %s", e.Name, e.Type, e.Want, e.Err, strings.Join(parts, "; "))
}

// Unwrap returns Err.
func (e *VerifyError) Unwrap() error { return e.Err }

// Verify asks each of rec.Nameservers directly (recursion off, AA bit
// required) for rec.Name and rec.Type until every one of them answers with
// rec.Content among its addresses, polling with backoff until the timeout
// (at once and then after 2, 4, 8… s by default; with AfterChange the first
// round waits too).
// Round-robin neighbours in the answer are fine; an answer without
// rec.Content — a stale address, NXDOMAIN, a proxied record's proxy
// addresses — is not. While it waits it reports through ensure.Report.
func Verify(ctx context.Context, rec *Record, opts ...VerifyOption) error {
	cfg := verifyConfig{timeout: DefaultVerifyTimeout, interval: DefaultVerifyInterval, queryTimeout: DefaultQueryTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if rec == nil {
		return ensure.Invalid("dns.record", "", "nothing to verify", "pass the record Ensure returned")
	}
	name := canonicalName(rec.Name)
	typ := strings.ToUpper(rec.Type)
	if typ == "" {
		typ = TypeA
	}
	qtype, ok := map[string]uint16{TypeA: mdns.TypeA, TypeAAAA: mdns.TypeAAAA}[typ]
	if !ok {
		return ensure.Invalid("dns.type", rec.Type, "Verify checks address records only", `use "A" or "AAAA"`)
	}
	want, err := netip.ParseAddr(rec.Content)
	if err != nil {
		return ensure.Invalid("dns.content", rec.Content, "not an IP address", "verify the record Ensure returned")
	}
	if len(rec.Nameservers) == 0 {
		return ensure.Invalid("dns.nameservers", "", "the record lists no authoritative nameservers", "verify the record Ensure returned")
	}
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
	}

	pending := map[string]string{}
	for _, ns := range rec.Nameservers {
		pending[canonicalName(ns)] = "nothing yet"
	}
	start := time.Now()
	wait := cfg.interval
	if wait <= 0 {
		wait = DefaultVerifyInterval
	}
	if cfg.changed {
		if err := sleep(ctx, wait); err != nil {
			return &VerifyError{Name: name, Type: typ, Want: want.String(), Answers: pending, Err: err}
		}
		wait = min(wait*2, maxVerifyInterval)
	}
	for round := 0; ; round++ {
		for ns := range pending {
			ok, what := cfg.ask(ctx, ns, name, qtype, want)
			if ok {
				delete(pending, ns)
			} else {
				pending[ns] = what
			}
		}
		if len(pending) == 0 {
			return nil
		}
		left := sortedKeys(pending)
		ensure.Report(ctx, "waiting for %s %s → %s at %s (%s)", name, typ, want, strings.Join(left, ", "), time.Since(start).Round(time.Second))
		if err := sleep(ctx, wait); err != nil {
			return &VerifyError{Name: name, Type: typ, Want: want.String(), Answers: pending, Err: err}
		}
		wait = min(wait*2, maxVerifyInterval)
	}
}

// sleep waits d, or until ctx ends: then it returns ensure.ErrTimeout for a
// deadline and the context's error otherwise.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return ensure.ErrTimeout
		}
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ask queries one nameserver; it reports whether the answer holds want, and
// otherwise what the nameserver said.
func (c *verifyConfig) ask(ctx context.Context, ns, name string, qtype uint16, want netip.Addr) (bool, string) {
	addrs, err := c.addrsOf(ctx, ns)
	if err != nil {
		return false, err.Error()
	}
	var last string
	for _, addr := range addrs {
		resp, err := c.exchange(ctx, addr, name, qtype)
		if err != nil {
			last = fmt.Sprintf("error from %s: %v", addr, err)
			continue
		}
		ok, what := judge(resp, want)
		if ok {
			return true, ""
		}
		return false, what + " (at " + addr + ")"
	}
	return false, last
}

func judge(resp *mdns.Msg, want netip.Addr) (bool, string) {
	if resp.Rcode != mdns.RcodeSuccess {
		return false, mdns.RcodeToString[resp.Rcode]
	}
	var got []string
	found := false
	for _, rr := range resp.Answer {
		var ip net.IP
		switch v := rr.(type) {
		case *mdns.A:
			ip = v.A
		case *mdns.AAAA:
			ip = v.AAAA
		case *mdns.CNAME:
			got = append(got, "CNAME "+strings.TrimSuffix(v.Target, "."))
			continue
		default:
			continue
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			a = a.Unmap()
			got = append(got, a.String())
			if a == want.Unmap() {
				found = true
			}
		}
	}
	if !resp.Authoritative {
		return false, "a non-authoritative answer (AA bit not set): " + orNothing(got)
	}
	if found {
		return true, ""
	}
	if len(got) == 0 {
		return false, "no records (NOERROR, empty answer)"
	}
	return false, strings.Join(got, ", ") + " (not the expected address)"
}

func orNothing(s []string) string {
	if len(s) == 0 {
		return "no records"
	}
	return strings.Join(s, ", ")
}

func (c *verifyConfig) addrsOf(ctx context.Context, ns string) ([]string, error) {
	switch {
	case c.addrs != nil:
		a, ok := c.addrs[ns]
		if !ok {
			return nil, fmt.Errorf("no address given for nameserver %s", ns)
		}
		return []string{a}, nil
	case c.resolve != nil:
		return c.resolve(ctx, ns)
	}
	hosts, err := net.DefaultResolver.LookupHost(ctx, ns)
	if err != nil {
		return nil, fmt.Errorf("resolve nameserver %s: %w", ns, err)
	}
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = net.JoinHostPort(h, "53")
	}
	return out, nil
}

func (c *verifyConfig) exchange(ctx context.Context, addr, name string, qtype uint16) (*mdns.Msg, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	m.RecursionDesired = false
	qctx := ctx
	if c.queryTimeout > 0 {
		var cancel context.CancelFunc
		qctx, cancel = context.WithTimeout(ctx, c.queryTimeout)
		defer cancel()
	}
	resp, err := c.exchangeOver(qctx, "udp", addr, m)
	if err == nil && resp.Truncated {
		resp, err = c.exchangeOver(qctx, "tcp", addr, m)
	}
	return resp, err
}

func (c *verifyConfig) exchangeOver(ctx context.Context, network, addr string, m *mdns.Msg) (*mdns.Msg, error) {
	cl := &mdns.Client{Net: network}
	if c.dial == nil {
		resp, _, err := cl.ExchangeContext(ctx, m, addr)
		return resp, err
	}
	conn, err := c.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	resp, _, err := cl.ExchangeWithConnContext(ctx, m, &mdns.Conn{Conn: conn})
	return resp, err
}

func canonicalName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
