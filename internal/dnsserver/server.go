package dnsserver

import (
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/miekg/dns"
)

// Lookup returns the zone that holds name (lowercase, no trailing dot) as
// nameserver ns sees it at this moment; ns is the name the Server was started
// for ("" for a main listener that serves everything). It reports false when
// no zone holds name, which is answered REFUSED. Lookup is called for every
// query, concurrently.
type Lookup func(ns, name string) (Zone, bool)

// Server is one authoritative DNS listener on a loopback UDP and TCP port
// (the same port number for both).
type Server struct {
	ns   string
	addr string
	udp  *dns.Server
	tcp  *dns.Server
}

// Start listens on host (a loopback IP) at a free port, UDP and TCP, and
// answers queries for nameserver ns from lookup.
func Start(host, ns string, lookup Lookup) (*Server, error) {
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("start dns server: host %q is not a loopback address", host)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		_ = w.WriteMsg(Answer(req, func(name string) (Zone, bool) { return lookup(ns, name) }))
	})
	var lastErr error
	// The UDP and TCP ports must match; another process may hold the TCP one.
	for range 10 {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("start dns server: %w", err)
		}
		addr := pc.LocalAddr().String()
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			pc.Close()
			lastErr = err
			continue
		}
		// Start returns once both are serving: Shutdown on a server not yet
		// started does nothing, so a Close right after Start would leave
		// the listeners open.
		var started sync.WaitGroup
		started.Add(2)
		s := &Server{ns: ns, addr: addr,
			udp: &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: started.Done},
			tcp: &dns.Server{Listener: ln, Handler: h, NotifyStartedFunc: started.Done},
		}
		go func() { _ = s.udp.ActivateAndServe() }()
		go func() { _ = s.tcp.ActivateAndServe() }()
		started.Wait()
		return s, nil
	}
	return nil, fmt.Errorf("start dns server: no port free for both UDP and TCP: %w", lastErr)
}

// Addr returns host:port, the same for UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// Nameserver returns the nameserver name the Server answers for.
func (s *Server) Nameserver() string { return s.ns }

// Close stops both listeners.
func (s *Server) Close() {
	_ = s.udp.Shutdown()
	_ = s.tcp.Shutdown()
}
