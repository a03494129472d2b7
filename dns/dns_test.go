package dns_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

func TestValidate(t *testing.T) {
	ok := dns.RecordSpec{Name: "Shop.Example.com.", Content: "127.0.0.5", Owner: "shop"}
	require.NoError(t, ok.Validate())
	require.Equal(t, "shop.example.com", ok.Normalized().Name)
	require.Equal(t, "A", ok.Normalized().Type)
	six := dns.RecordSpec{Name: "example.com", Type: "aaaa", Content: "::1", Owner: "shop"}
	require.NoError(t, six.Validate())

	bad := map[string]struct {
		s     dns.RecordSpec
		field string
	}{
		"empty name":   {dns.RecordSpec{Content: "127.0.0.1", Owner: "o"}, "dns.name"},
		"one label":    {dns.RecordSpec{Name: "localhost", Content: "127.0.0.1", Owner: "o"}, "dns.name"},
		"empty label":  {dns.RecordSpec{Name: "a..b.com", Content: "127.0.0.1", Owner: "o"}, "dns.name"},
		"hyphen":       {dns.RecordSpec{Name: "-a.b.com", Content: "127.0.0.1", Owner: "o"}, "dns.name"},
		"an address":   {dns.RecordSpec{Name: "127.0.0.1", Content: "127.0.0.1", Owner: "o"}, "dns.name"},
		"unicode":      {dns.RecordSpec{Name: "bücher.de", Content: "127.0.0.1", Owner: "o"}, "dns.name"},
		"type":         {dns.RecordSpec{Name: "a.com", Type: "CNAME", Content: "b.com", Owner: "o"}, "dns.type"},
		"v6 in A":      {dns.RecordSpec{Name: "a.com", Content: "::1", Owner: "o"}, "dns.content"},
		"v4 in AAAA":   {dns.RecordSpec{Name: "a.com", Type: "AAAA", Content: "127.0.0.1", Owner: "o"}, "dns.content"},
		"not an ip":    {dns.RecordSpec{Name: "a.com", Content: "server", Owner: "o"}, "dns.content"},
		"ttl":          {dns.RecordSpec{Name: "a.com", Content: "127.0.0.1", Owner: "o", TTL: 90000}, "dns.ttl"},
		"no owner":     {dns.RecordSpec{Name: "a.com", Content: "127.0.0.1"}, "dns.owner"},
		"owner spaces": {dns.RecordSpec{Name: "a.com", Content: "127.0.0.1", Owner: "my shop"}, "dns.owner"},
	}
	for name, c := range bad {
		err := c.s.Validate()
		var ie *ensure.InvalidError
		require.ErrorAs(t, err, &ie, name)
		require.Equal(t, c.field, ie.Field, name)
		require.NotEmpty(t, ie.Fix, name)
		require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	}
	// Destroy needs only the identity.
	require.NoError(t, dns.RecordSpec{Name: "a.com", Owner: "o"}.ValidateIdentity())
}

// fakeNS is an authoritative server on loopback whose answer can change.
type fakeNS struct {
	addr    string
	mu      sync.Mutex
	ip      string
	noAA    bool
	queries atomic.Int32
}

func startNS(t *testing.T, ip string) *fakeNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeNS{addr: pc.LocalAddr().String(), ip: ip}
	srv := &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		f.queries.Add(1)
		m := new(mdns.Msg)
		m.SetReply(r)
		f.mu.Lock()
		m.Authoritative = !f.noAA
		if r.RecursionDesired {
			m.Rcode = mdns.RcodeRefused // Verify must not ask for recursion
		} else if f.ip == "" {
			m.Rcode = mdns.RcodeNameError
		} else {
			m.Answer = append(m.Answer, &mdns.A{Hdr: mdns.RR_Header{Name: r.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60}, A: net.ParseIP(f.ip)})
		}
		f.mu.Unlock()
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return f
}

func (f *fakeNS) set(ip string, noAA bool) {
	f.mu.Lock()
	f.ip, f.noAA = ip, noAA
	f.mu.Unlock()
}

func TestVerify(t *testing.T) {
	ada, bob := startNS(t, "127.0.0.5"), startNS(t, "")
	rec := &dns.Record{Name: "shop.example.com", Type: "A", Content: "127.0.0.5", Nameservers: []string{"ada.ns.test", "bob.ns.test"}}
	addrs := dns.WithNameserverAddrs(map[string]string{"ada.ns.test": ada.addr, "bob.ns.test": bob.addr})
	fast := []dns.VerifyOption{addrs, dns.WithInterval(10 * time.Millisecond), dns.WithTimeout(300 * time.Millisecond)}

	// bob says NXDOMAIN: the error names bob and what it said, not ada.
	err := dns.Verify(context.Background(), rec, fast...)
	require.ErrorIs(t, err, ensure.ErrTimeout)
	var ve *dns.VerifyError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, []string{"bob.ns.test"}, keys(ve.Answers))
	require.Contains(t, err.Error(), "nameserver bob.ns.test answered NXDOMAIN")

	// A wrong address, and a non-authoritative right one, both fail.
	bob.set("127.0.0.9", false)
	err = dns.Verify(context.Background(), rec, fast...)
	require.ErrorContains(t, err, "127.0.0.9 (not the expected address)")
	bob.set("127.0.0.5", true)
	err = dns.Verify(context.Background(), rec, fast...)
	require.ErrorContains(t, err, "AA bit not set")

	// Succeeds once bob catches up, and reports while waiting.
	bob.set("", false)
	var reports atomic.Int32
	ctx := ensure.WithReporter(context.Background(), func(string) { reports.Add(1) })
	go func() {
		time.Sleep(100 * time.Millisecond)
		bob.set("127.0.0.5", false)
	}()
	require.NoError(t, dns.Verify(ctx, rec, addrs, dns.WithInterval(10*time.Millisecond), dns.WithTimeout(5*time.Second)))
	require.Positive(t, reports.Load())

	// An unmapped nameserver is an error, never a lookup.
	err = dns.Verify(context.Background(), rec, dns.WithNameserverAddrs(map[string]string{"ada.ns.test": ada.addr}), dns.WithTimeout(50*time.Millisecond))
	require.ErrorContains(t, err, "no address given for nameserver bob.ns.test")

	// Cancellation wins over the timeout.
	bob.set("", false)
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = dns.Verify(cctx, rec, fast...)
	require.True(t, errors.Is(err, context.Canceled), err)

	// Custom dialer is used.
	var dialed atomic.Int32
	bob.set("127.0.0.5", false)
	d := dns.WithDialer(func(ctx context.Context, network, address string) (net.Conn, error) {
		dialed.Add(1)
		var nd net.Dialer
		return nd.DialContext(ctx, network, address)
	})
	require.NoError(t, dns.Verify(context.Background(), rec, addrs, d))
	require.Equal(t, int32(2), dialed.Load())
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A record checked as found goes out at once; one just changed waits an
// interval first, so a change the nameservers can't serve yet costs no
// round. Measured in rounds (dials), not time.
func TestVerifyAfterChange(t *testing.T) {
	ns := startNS(t, "127.0.0.5")
	rec := &dns.Record{Name: "shop.example.com", Type: "A", Content: "127.0.0.5", Nameservers: []string{"ada.ns.test"}}
	addrs := dns.WithNameserverAddrs(map[string]string{"ada.ns.test": ns.addr})
	var dialed atomic.Int32
	var firstDial atomic.Int64
	d := dns.WithDialer(func(ctx context.Context, network, address string) (net.Conn, error) {
		dialed.Add(1)
		firstDial.CompareAndSwap(0, time.Now().UnixNano())
		var nd net.Dialer
		return nd.DialContext(ctx, network, address)
	})
	const interval = 150 * time.Millisecond
	for _, changed := range []bool{false, true} {
		dialed.Store(0)
		firstDial.Store(0)
		opts := []dns.VerifyOption{addrs, d, dns.WithInterval(interval)}
		if changed {
			opts = append(opts, dns.AfterChange())
		}
		start := time.Now()
		require.NoError(t, dns.Verify(context.Background(), rec, opts...))
		require.Equal(t, int32(1), dialed.Load(), "one round: the record is served")
		waited := time.Duration(firstDial.Load() - start.UnixNano())
		if changed {
			require.GreaterOrEqual(t, waited, interval, "the first round waits an interval after a change")
		} else {
			require.Less(t, waited, interval, "an unchanged record is checked at once")
		}
	}

	// Cancelled during the first wait: the context's error, no round sent.
	dialed.Store(0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := dns.Verify(ctx, rec, addrs, d, dns.WithInterval(time.Second), dns.AfterChange(), dns.WithTimeout(0))
	require.ErrorIs(t, err, ensure.ErrTimeout)
	var ve *dns.VerifyError
	require.ErrorAs(t, err, &ve)
	require.Zero(t, dialed.Load())
}
