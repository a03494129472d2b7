package dnsserver_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/internal/dnsserver"
)

func ask(t *testing.T, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	resp, _, err := (&dns.Client{Net: network, Timeout: 2 * time.Second}).Exchange(m, addr)
	require.NoError(t, err)
	return resp
}

func TestServerAnswersAuthoritatively(t *testing.T) {
	var asked atomic.Value
	zone := dnsserver.Zone{
		Name: "example.com", Nameservers: []string{"ns1.test", "ns2.test"}, Mbox: "dns.test",
		Records: []dnsserver.Record{
			{Name: "shop.example.com", Type: "A", Value: "127.0.0.5", TTL: 60},
			{Name: "shop.example.com", Type: "A", Value: "127.0.0.5", TTL: 60}, // duplicates collapse
			{Name: "shop.example.com", Type: "A", Value: "127.0.0.6", TTL: 60},
			{Name: "shop.example.com", Type: "AAAA", Value: "2001:db8::5", TTL: 60},
			{Name: "www.example.com", Type: "CNAME", Value: "shop.example.com", TTL: 60},
			{Name: "a.b.example.com", Type: "TXT", Value: "hello world", TTL: 60},
			{Name: "example.com", Type: "MX", Value: "10 mail.example.com.", TTL: 60},
		},
	}
	s, err := dnsserver.Start("127.0.0.1", "ns1.test", func(ns, name string) (dnsserver.Zone, bool) {
		asked.Store(ns)
		return zone, dnsserver.InZone(name, zone.Name)
	})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	require.Equal(t, "ns1.test", s.Nameserver())

	for _, network := range []string{"udp", "tcp"} {
		r := ask(t, network, s.Addr(), "Shop.Example.com", dns.TypeA)
		require.True(t, r.Authoritative)
		require.False(t, r.RecursionAvailable)
		require.Len(t, r.Answer, 2)
		require.Equal(t, "127.0.0.5", r.Answer[0].(*dns.A).A.String())
		require.Equal(t, "ns1.test", asked.Load())
	}
	r := ask(t, "udp", s.Addr(), "shop.example.com", dns.TypeAAAA)
	require.Equal(t, "2001:db8::5", r.Answer[0].(*dns.AAAA).AAAA.String())
	r = ask(t, "udp", s.Addr(), "www.example.com", dns.TypeA)
	require.Equal(t, "shop.example.com.", r.Answer[0].(*dns.CNAME).Target)
	r = ask(t, "udp", s.Addr(), "a.b.example.com", dns.TypeTXT)
	require.Equal(t, []string{"hello world"}, r.Answer[0].(*dns.TXT).Txt)
	r = ask(t, "udp", s.Addr(), "example.com", dns.TypeMX)
	require.Equal(t, "mail.example.com.", r.Answer[0].(*dns.MX).Mx)
	r = ask(t, "udp", s.Addr(), "example.com", dns.TypeNS)
	require.Len(t, r.Answer, 2)
	r = ask(t, "udp", s.Addr(), "example.com", dns.TypeSOA)
	require.Equal(t, "dns.test.", r.Answer[0].(*dns.SOA).Mbox)

	// NODATA (the name exists, also as an empty non-terminal) vs NXDOMAIN.
	r = ask(t, "udp", s.Addr(), "shop.example.com", dns.TypeTXT)
	require.Equal(t, dns.RcodeSuccess, r.Rcode)
	require.Empty(t, r.Answer)
	require.IsType(t, &dns.SOA{}, r.Ns[0])
	r = ask(t, "udp", s.Addr(), "b.example.com", dns.TypeA)
	require.Equal(t, dns.RcodeSuccess, r.Rcode)
	r = ask(t, "udp", s.Addr(), "missing.example.com", dns.TypeA)
	require.Equal(t, dns.RcodeNameError, r.Rcode)
	require.True(t, r.Authoritative)
	r = ask(t, "udp", s.Addr(), "example.org", dns.TypeA)
	require.Equal(t, dns.RcodeRefused, r.Rcode)
}

func TestStartRefusesNonLoopback(t *testing.T) {
	_, err := dnsserver.Start("192.0.2.1", "", nil)
	require.ErrorContains(t, err, "not a loopback address")
}

// Close right after Start stops both listeners: Start returns only once
// they serve, so there is nothing left for Close to miss.
func TestCloseRightAfterStart(t *testing.T) {
	for range 20 {
		s, err := dnsserver.Start("127.0.0.1", "ns1.test", func(string, string) (dnsserver.Zone, bool) { return dnsserver.Zone{}, false })
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			c.Close()
			t.Fatalf("tcp listener %s still open after Close", s.Addr())
		}
	}
}
