package cloudflaretest

import (
	"strings"
	"time"

	"github.com/assemblekit/assemble/internal/dnsserver"
)

// Proxy addresses answered for proxied records, from the documentation
// ranges so that nothing routable is ever named.
var (
	proxyV4 = []string{"203.0.113.10", "203.0.113.11"}
	proxyV6 = []string{"2001:db8:cf::10", "2001:db8:cf::11"}
)

// ProxyAddrs returns the addresses the simulator's DNS answers for proxied
// records of type typ ("A" or "AAAA").
func ProxyAddrs(typ string) []string {
	if strings.EqualFold(typ, "AAAA") {
		return append([]string(nil), proxyV6...)
	}
	return append([]string(nil), proxyV4...)
}

// dnsListener is one authoritative server on a loopback UDP and TCP port.
type dnsListener struct {
	ns   string // nameserver name it stands for; "" for the main listener
	addr string
	srv  *dnsserver.Server
}

func startDNS(s *Server, host, ns string) (*dnsListener, error) {
	srv, err := dnsserver.Start(host, ns, s.dnsZone)
	if err != nil {
		return nil, err
	}
	return &dnsListener{ns: ns, addr: srv.Addr(), srv: srv}, nil
}

func (l *dnsListener) close() { l.srv.Close() }

// dnsZone gives a listener the zone holding name as nameserver ns sees it
// now: every record as it was when its latest change became visible to ns,
// proxied ones answered with the proxy addresses as Cloudflare does.
func (s *Server) dnsZone(ns, name string) (dnsserver.Zone, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var z *Zone
	for _, id := range s.zoneSeq {
		c := s.zones[id]
		if dnsserver.InZone(name, c.Name) && (z == nil || len(c.Name) > len(z.Name)) {
			z = c
		}
	}
	if z == nil {
		return dnsserver.Zone{}, false
	}
	zc := cloneZone(z)
	out := dnsserver.Zone{Name: zc.Name, Nameservers: zc.NameServers, Mbox: "dns.cloudflare.com"}
	at := time.Now().Add(-s.nsDelay[ns])
	for _, hist := range s.dnsHist {
		var cur *Record
		for _, v := range hist {
			if !v.at.After(at) {
				cur = v.rec
			}
		}
		if cur != nil && cur.ZoneID == zc.ID {
			out.Records = append(out.Records, served(*cur)...)
		}
	}
	return out, true
}

// served is how DNS shows a stored record: proxied A, AAAA and CNAME
// records as the proxy's addresses, with TTL 300 when automatic.
func served(r Record) []dnsserver.Record {
	ttl := uint32(r.TTL)
	if r.TTL == 1 || r.Proxied {
		ttl = 300
	}
	if !r.Proxied || (r.Type != "A" && r.Type != "AAAA" && r.Type != "CNAME") {
		return []dnsserver.Record{{Name: r.Name, Type: r.Type, Value: r.Content, TTL: ttl}}
	}
	var out []dnsserver.Record
	if r.Type != "AAAA" {
		for _, a := range proxyV4 {
			out = append(out, dnsserver.Record{Name: r.Name, Type: "A", Value: a, TTL: ttl})
		}
	}
	if r.Type != "A" {
		for _, a := range proxyV6 {
			out = append(out, dnsserver.Record{Name: r.Name, Type: "AAAA", Value: a, TTL: ttl})
		}
	}
	return out
}
