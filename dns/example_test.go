package dns_test

import (
	"context"
	"fmt"
	"time"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
)

func ExampleRecordSpec_Validate() {
	err := dns.RecordSpec{Name: "shop.example.com", Content: "2001:db8::1", Owner: "shop"}.Validate()
	fmt.Println(err)
	// Output:
	// invalid dns.content "2001:db8::1": an A record needs an IPv4 address (use the server's IPv4 address, or set Type to AAAA)
}

// Verify asks every authoritative nameserver directly; here they are a
// simulator's loopback listeners.
func ExampleVerify() {
	sim, err := cloudflaretest.Start()
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	z := sim.AddZone("example.com")
	sim.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Content: "127.0.0.5"})

	rec := &dns.Record{Name: "shop.example.com", Type: "A", Content: "127.0.0.5", Nameservers: z.NameServers}
	err = dns.Verify(context.Background(), rec, dns.WithNameserverAddrs(sim.NameserverAddrs()))
	fmt.Println(err)

	rec.Content = "127.0.0.6"
	sim.SetNameserverDelay("bob.ns.cloudflare.com", time.Hour)
	err = dns.Verify(context.Background(), rec, dns.WithNameserverAddrs(sim.NameserverAddrs()), dns.WithTimeout(100*time.Millisecond))
	fmt.Println(err != nil)
	// Output:
	// <nil>
	// true
}

func ExampleOwnerComment() {
	c := dns.OwnerComment("shop")
	owner, ok := dns.CommentOwner(c)
	fmt.Println(c, owner, ok)
	_, ok = dns.CommentOwner("added by hand")
	fmt.Println(ok)
	// Output:
	// assemble:recipe=shop shop true
	// false
}
