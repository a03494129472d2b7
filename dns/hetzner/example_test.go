package hetzner_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/hetzner"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
)

// Ensure points a name at the server and waits until the zone's
// nameservers serve it; a second run changes nothing; Destroy removes only
// the recipe's record.
func Example() {
	sim, err := hetznertest.Start(hetznertest.WithActionDuration(10 * time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	sim.AddZone(hetznertest.ZoneRecord{Name: "example.com"})
	// A record someone else made.
	sim.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "A", Records: []hetznertest.RRRecord{{Value: "127.0.0.20", Comment: "old box"}}})

	p := hetzner.New(secret.New(sim.Token()),
		hetzner.WithEndpoint(sim.URL()),
		hetzner.WithPollInterval(10*time.Millisecond, 50*time.Millisecond),
		hetzner.WithVerify(dns.WithNameserverAddrs(sim.NameserverAddrs())),
	)
	// The name is taken by someone else's record: a conflict, nothing
	// changed (spec.Adopt would take it over).
	spec := dns.RecordSpec{Name: "shop.example.com", Content: "127.0.0.5", Owner: "shop"}
	ctx := context.Background()
	_, _, err = p.Ensure(ctx, spec)
	fmt.Println(errors.Is(err, ensure.ErrConflict))

	spec.Name = "www.example.com"
	rec, op, err := p.Ensure(ctx, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op, rec.Name, rec.Type, rec.Content, rec.ID)
	_, op, _ = p.Ensure(ctx, spec)
	fmt.Println(op)
	cs, _ := p.Destroy(ctx, spec)
	_, left := sim.RRSet("example.com", "www", "A")
	fmt.Println(cs[0].Op, cs[0].Kind, left)
	// Output:
	// true
	// created www.example.com A 127.0.0.5 www/A
	// unchanged
	// deleted dns record false
}
