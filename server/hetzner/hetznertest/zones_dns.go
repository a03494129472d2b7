package hetznertest

import (
	"net"
	"slices"
	"strings"

	"github.com/assemblekit/assemble/internal/dnsserver"
)

// DNSAddr returns the address (host:port, UDP and TCP) of the simulator's
// main authoritative DNS listener, which serves every zone with no
// nameserver delay. DNS listeners start on first use, on the simulator's
// loopback host; it returns "" if they can't start.
func (s *Server) DNSAddr() string {
	if err := s.startDNS(); err != nil {
		return ""
	}
	s.mu.Lock()
	d := s.zs()
	s.mu.Unlock()
	d.lmu.Lock()
	defer d.lmu.Unlock()
	if d.main == nil {
		return ""
	}
	return d.main.Addr()
}

// NameserverAddrs maps every assigned nameserver of every zone to the
// loopback address of its own listener, ready for dns.WithNameserverAddrs.
// Listeners for nameservers of zones added later start on the next call.
func (s *Server) NameserverAddrs() map[string]string {
	_ = s.startDNS()
	s.mu.Lock()
	d := s.zs()
	s.mu.Unlock()
	d.lmu.Lock()
	defer d.lmu.Unlock()
	out := make(map[string]string, len(d.ns))
	for name, l := range d.ns {
		out[name] = l.Addr()
	}
	return out
}

func (s *Server) dnsHost() string {
	if s.ln != nil {
		if host, _, err := net.SplitHostPort(s.ln.Addr().String()); err == nil {
			return host
		}
	}
	if host, _, err := net.SplitHostPort(s.cfg.addr); err == nil && host != "" {
		return host
	}
	return "127.0.0.1"
}

// startDNS starts the main listener and one per nameserver of every zone,
// each once.
func (s *Server) startDNS() error {
	s.mu.Lock()
	d := s.zs()
	names := map[string]bool{}
	for _, n := range DefaultNameservers {
		names[n] = true
	}
	for _, z := range d.zones {
		for _, n := range z.Nameservers {
			names[n] = true
		}
	}
	s.mu.Unlock()
	host := s.dnsHost()
	d.lmu.Lock()
	defer d.lmu.Unlock()
	if d.stopped {
		return net.ErrClosed
	}
	if d.main == nil {
		l, err := dnsserver.Start(host, "", s.dnsLookup)
		if err != nil {
			return err
		}
		d.main = l
	}
	for n := range names {
		if d.ns[n] != nil {
			continue
		}
		l, err := dnsserver.Start(host, n, s.dnsLookup)
		if err != nil {
			return err
		}
		d.ns[n] = l
	}
	return nil
}

// closeDNS stops every DNS listener; later calls start none.
func (s *Server) closeDNS() {
	s.mu.Lock()
	d := s.dns
	s.mu.Unlock()
	if d == nil {
		return
	}
	d.lmu.Lock()
	d.stopped = true
	ls := []*dnsserver.Server{d.main}
	for _, l := range d.ns {
		ls = append(ls, l)
	}
	d.main, d.ns = nil, map[string]*dnsserver.Server{}
	d.lmu.Unlock()
	for _, l := range ls {
		if l != nil {
			l.Close()
		}
	}
}

// dnsLookup gives a listener the zone holding name, as nameserver ns sees it
// now: each RRset as it was when its latest change became visible to ns. A
// nameserver answers only for zones it is assigned to.
func (s *Server) dnsLookup(ns, name string) (dnsserver.Zone, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.zs()
	var z *ZoneRecord
	for _, c := range d.zones {
		if !dnsserver.InZone(name, c.Name) || (ns != "" && !slices.Contains(c.Nameservers, ns)) {
			continue
		}
		if z == nil || len(c.Name) > len(z.Name) {
			z = c
		}
	}
	if z == nil {
		return dnsserver.Zone{}, false
	}
	at := s.cfg.now().Add(-d.nsDelay[ns])
	out := dnsserver.Zone{Name: z.Name, Nameservers: append([]string(nil), z.Nameservers...), Mbox: "dns.hetzner.com"}
	for _, hist := range d.hist[z.ID] {
		var cur *RRSetRecord
		for _, v := range hist {
			if !v.at.After(at) {
				cur = v.set
			}
		}
		if cur == nil {
			continue
		}
		fqdn := z.Name
		if cur.Name != "@" {
			fqdn = cur.Name + "." + z.Name
		}
		ttl := z.TTL
		if cur.TTL != nil {
			ttl = *cur.TTL
		}
		for _, r := range cur.Records {
			v := r.Value
			if cur.Type == "TXT" {
				v = strings.Trim(v, `"`)
			}
			out.Records = append(out.Records, dnsserver.Record{Name: fqdn, Type: cur.Type, Value: v, TTL: uint32(ttl)})
		}
	}
	return out, true
}
