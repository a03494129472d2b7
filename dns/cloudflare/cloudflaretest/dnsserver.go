package cloudflaretest

import (
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
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
	udp  *dns.Server
	tcp  *dns.Server
}

func startDNS(s *Server, host, ns string) (*dnsListener, error) {
	var lastErr error
	// The UDP and TCP ports must match; another process may hold the TCP one.
	for range 10 {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, err
		}
		addr := pc.LocalAddr().String()
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			pc.Close()
			lastErr = err
			continue
		}
		l := &dnsListener{ns: ns, addr: addr}
		h := dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) { s.serveDNS(w, m, ns) })
		l.udp = &dns.Server{PacketConn: pc, Handler: h}
		l.tcp = &dns.Server{Listener: ln, Handler: h}
		go func() { _ = l.udp.ActivateAndServe() }()
		go func() { _ = l.tcp.ActivateAndServe() }()
		return l, nil
	}
	return nil, lastErr
}

func (l *dnsListener) close() {
	_ = l.udp.Shutdown()
	_ = l.tcp.Shutdown()
}

func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg, ns string) {
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.RecursionAvailable = false
	if len(req.Question) != 1 {
		resp.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(resp)
		return
	}
	q := req.Question[0]
	name := canonical(q.Name)

	s.mu.Lock()
	var z *Zone
	for _, id := range s.zoneSeq {
		c := s.zones[id]
		if (name == c.Name || strings.HasSuffix(name, "."+c.Name)) && (z == nil || len(c.Name) > len(z.Name)) {
			z = c
		}
	}
	if z == nil {
		s.mu.Unlock()
		resp.Rcode = dns.RcodeRefused
		_ = w.WriteMsg(resp)
		return
	}
	zc := cloneZone(z)
	at := time.Now().Add(-s.nsDelay[ns])
	var visible []Record
	for _, hist := range s.dnsHist {
		var cur *Record
		for _, v := range hist {
			if !v.at.After(at) {
				cur = v.rec
			}
		}
		if cur != nil && cur.ZoneID == zc.ID {
			visible = append(visible, *cur)
		}
	}
	s.mu.Unlock()

	resp.Authoritative = true
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: dns.Fqdn(zc.Name), Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 1800},
		Ns:      dns.Fqdn(first(zc.NameServers, "ns.invalid")),
		Mbox:    dns.Fqdn("dns.cloudflare.com"),
		Serial:  uint32(time.Now().Unix()),
		Refresh: 10000, Retry: 2400, Expire: 604800, Minttl: 1800,
	}
	exists := name == zc.Name
	for _, r := range visible {
		if r.Name == name || strings.HasSuffix(r.Name, "."+name) {
			exists = true
		}
	}
	if name == zc.Name && (q.Qtype == dns.TypeNS || q.Qtype == dns.TypeSOA) {
		if q.Qtype == dns.TypeSOA {
			resp.Answer = append(resp.Answer, soa)
		} else {
			for _, n := range zc.NameServers {
				resp.Answer = append(resp.Answer, &dns.NS{Hdr: hdr(name, dns.TypeNS, 86400), Ns: dns.Fqdn(n)})
			}
		}
		_ = w.WriteMsg(resp)
		return
	}
	seen := map[string]bool{}
	for _, r := range visible {
		if r.Name != name {
			continue
		}
		for _, rr := range answer(r, q.Qtype) {
			if !seen[rr.String()] {
				seen[rr.String()] = true
				resp.Answer = append(resp.Answer, rr)
			}
		}
	}
	if len(resp.Answer) == 0 {
		if !exists {
			resp.Rcode = dns.RcodeNameError
		}
		resp.Ns = append(resp.Ns, soa)
	}
	_ = w.WriteMsg(resp)
}

// answer renders a stored record for a question type; nil when it doesn't
// answer it.
func answer(r Record, qtype uint16) []dns.RR {
	ttl := uint32(r.TTL)
	if r.TTL == 1 || r.Proxied {
		ttl = 300
	}
	switch {
	case r.Type == "CNAME" && r.Proxied && (qtype == dns.TypeA || qtype == dns.TypeAAAA):
		return proxyRRs(r.Name, qtype, ttl)
	case r.Type == "CNAME":
		return []dns.RR{&dns.CNAME{Hdr: hdr(r.Name, dns.TypeCNAME, ttl), Target: dns.Fqdn(r.Content)}}
	case r.Type == "A" && qtype == dns.TypeA, r.Type == "AAAA" && qtype == dns.TypeAAAA:
		if r.Proxied {
			return proxyRRs(r.Name, qtype, ttl)
		}
		ip := net.ParseIP(r.Content)
		if qtype == dns.TypeA {
			return []dns.RR{&dns.A{Hdr: hdr(r.Name, dns.TypeA, ttl), A: ip.To4()}}
		}
		return []dns.RR{&dns.AAAA{Hdr: hdr(r.Name, dns.TypeAAAA, ttl), AAAA: ip}}
	case r.Type == "TXT" && qtype == dns.TypeTXT:
		return []dns.RR{&dns.TXT{Hdr: hdr(r.Name, dns.TypeTXT, ttl), Txt: []string{r.Content}}}
	case r.Type == "NS" && qtype == dns.TypeNS:
		return []dns.RR{&dns.NS{Hdr: hdr(r.Name, dns.TypeNS, ttl), Ns: dns.Fqdn(r.Content)}}
	}
	return nil
}

// proxyRRs answers a proxied name with the proxy addresses, once per name
// (several proxied records at one name give one set).
func proxyRRs(name string, qtype uint16, ttl uint32) []dns.RR {
	var out []dns.RR
	if qtype == dns.TypeA {
		for _, a := range proxyV4 {
			out = append(out, &dns.A{Hdr: hdr(name, dns.TypeA, ttl), A: net.ParseIP(a).To4()})
		}
	} else {
		for _, a := range proxyV6 {
			out = append(out, &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA, ttl), AAAA: net.ParseIP(a)})
		}
	}
	return out
}

func hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

func first(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
