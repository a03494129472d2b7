package cloudflare_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
	"github.com/assemblekit/assemble/secret"
)

// Ensure points a name at the server and waits until the zone's
// nameservers serve it; a second run changes nothing.
func Example() {
	sim, err := cloudflaretest.Start()
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	sim.AddZone("example.com")

	p := cloudflare.New(secret.New(sim.Token()),
		cloudflare.WithBaseURL(sim.URL()),
		cloudflare.WithVerify(dns.WithNameserverAddrs(sim.NameserverAddrs())),
	)
	spec := dns.RecordSpec{Name: "shop.example.com", Content: "127.0.0.5", Owner: "shop"}
	ctx := context.Background()
	rec, op, err := p.Ensure(ctx, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op, rec.Name, rec.Type, rec.Content, rec.Proxied)
	_, op, _ = p.Ensure(ctx, spec)
	fmt.Println(op)
	cs, _ := p.Destroy(ctx, spec)
	fmt.Println(cs[0].Op, cs[0].Kind, len(sim.Records("example.com")))
	// Output:
	// created shop.example.com A 127.0.0.5 false
	// unchanged
	// deleted dns record 0
}
