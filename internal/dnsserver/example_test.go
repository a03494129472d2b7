package dnsserver_test

import (
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/assemblekit/assemble/internal/dnsserver"
)

// A simulator starts one Server per nameserver it plays and answers every
// query from the zone it hands back at that moment; names outside every
// zone are REFUSED, as a real authoritative server does.
func ExampleStart() {
	zone := dnsserver.Zone{
		Name:        "example.com",
		Nameservers: []string{"ns1.example.net"},
		Records: []dnsserver.Record{
			{Name: "shop.example.com", Type: "A", Value: "127.0.0.10", TTL: 300},
		},
	}
	srv, err := dnsserver.Start("127.0.0.1", "ns1.example.net", func(ns, name string) (dnsserver.Zone, bool) {
		return zone, dnsserver.InZone(name, zone.Name)
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	client := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	for _, name := range []string{"shop.example.com", "shop.example.org"} {
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(name), dns.TypeA)
		q.RecursionDesired = false
		resp, _, err := client.Exchange(q, srv.Addr())
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %s aa=%t\n", name, dns.RcodeToString[resp.Rcode], resp.Authoritative)
		for _, rr := range resp.Answer {
			fmt.Println(" ", rr)
		}
	}
	// Output:
	// shop.example.com: NOERROR aa=true
	//   shop.example.com.	300	IN	A	127.0.0.10
	// shop.example.org: REFUSED aa=false
}
