package dnsserver

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Zone is a zone as one nameserver serves it at the moment of a query.
type Zone struct {
	// Name is the zone's name, lowercase, without a trailing dot.
	Name string
	// Nameservers answer NS queries at the apex; the first is the SOA's
	// primary.
	Nameservers []string
	// Mbox is the SOA's responsible mailbox as a name, e.g.
	// "dns.example.net"; "hostmaster.<zone>" when empty.
	Mbox string
	// Serial is the SOA serial; the current Unix time when 0.
	Serial uint32
	// Records are the zone's records, already as DNS must show them.
	Records []Record
}

// Record is one resource record.
type Record struct {
	// Name is the owner name, fully qualified, lowercase, without a
	// trailing dot.
	Name string
	// Type is "A", "AAAA", "CNAME", "NS", "TXT", or any other type whose
	// Value is in zone-file presentation format ("MX" "10 mail.example.com.").
	Type string
	// Value is an address for A and AAAA, a name for CNAME and NS, the text
	// itself (one string, unquoted) for TXT.
	Value string
	TTL   uint32
}

// Canonical lowercases name and drops a trailing dot.
func Canonical(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// InZone reports whether name is zone or below it.
func InZone(name, zone string) bool {
	name, zone = Canonical(name), Canonical(zone)
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// Answer builds the authoritative reply to req from the zone lookup returns
// for the question's name. Only one question is accepted (FORMERR
// otherwise); recursion is never offered.
func Answer(req *dns.Msg, lookup func(name string) (Zone, bool)) *dns.Msg {
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.RecursionAvailable = false
	if len(req.Question) != 1 {
		resp.Rcode = dns.RcodeFormatError
		return resp
	}
	q := req.Question[0]
	name := Canonical(q.Name)
	z, ok := lookup(name)
	if !ok {
		resp.Rcode = dns.RcodeRefused
		return resp
	}
	resp.Authoritative = true
	soa := soaOf(z)
	if name == z.Name && (q.Qtype == dns.TypeNS || q.Qtype == dns.TypeSOA) {
		if q.Qtype == dns.TypeSOA {
			resp.Answer = append(resp.Answer, soa)
		} else {
			for _, n := range z.Nameservers {
				resp.Answer = append(resp.Answer, &dns.NS{Hdr: hdr(name, dns.TypeNS, 86400), Ns: dns.Fqdn(n)})
			}
		}
		return resp
	}
	exists := name == z.Name
	seen := map[string]bool{}
	for _, r := range z.Records {
		rn := Canonical(r.Name)
		if rn == name || strings.HasSuffix(rn, "."+name) {
			exists = true // an empty non-terminal exists too
		}
		if rn != name {
			continue
		}
		rr := render(r, q.Qtype)
		if rr != nil && !seen[rr.String()] {
			seen[rr.String()] = true
			resp.Answer = append(resp.Answer, rr)
		}
	}
	if len(resp.Answer) == 0 {
		if !exists {
			resp.Rcode = dns.RcodeNameError
		}
		resp.Ns = append(resp.Ns, soa)
	}
	return resp
}

func soaOf(z Zone) *dns.SOA {
	primary := "ns.invalid"
	if len(z.Nameservers) > 0 {
		primary = z.Nameservers[0]
	}
	mbox := z.Mbox
	if mbox == "" {
		mbox = "hostmaster." + z.Name
	}
	serial := z.Serial
	if serial == 0 {
		serial = uint32(time.Now().Unix())
	}
	return &dns.SOA{
		Hdr: hdr(z.Name, dns.TypeSOA, 1800), Ns: dns.Fqdn(primary), Mbox: dns.Fqdn(mbox),
		Serial: serial, Refresh: 10000, Retry: 2400, Expire: 604800, Minttl: 1800,
	}
}

// render returns r as the answer to a question of type qtype, or nil when it
// doesn't answer it. A CNAME answers every type (it is not chased).
func render(r Record, qtype uint16) dns.RR {
	t := strings.ToUpper(r.Type)
	rt, known := dns.StringToType[t]
	if !known || (t != "CNAME" && rt != qtype) {
		return nil
	}
	h := hdr(r.Name, rt, r.TTL)
	switch t {
	case "A":
		if ip := net.ParseIP(r.Value).To4(); ip != nil {
			return &dns.A{Hdr: h, A: ip}
		}
		return nil
	case "AAAA":
		if ip := net.ParseIP(r.Value); ip != nil && ip.To4() == nil {
			return &dns.AAAA{Hdr: h, AAAA: ip}
		}
		return nil
	case "CNAME":
		return &dns.CNAME{Hdr: h, Target: dns.Fqdn(r.Value)}
	case "NS":
		return &dns.NS{Hdr: h, Ns: dns.Fqdn(r.Value)}
	case "TXT":
		return &dns.TXT{Hdr: h, Txt: []string{r.Value}}
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", dns.Fqdn(r.Name), r.TTL, t, r.Value))
	if err != nil {
		return nil
	}
	return rr
}

func hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}
