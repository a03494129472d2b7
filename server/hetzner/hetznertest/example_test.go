package hetznertest_test

import (
	"context"
	"fmt"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
)

// The simulator speaks the Hetzner Cloud API to any client, here hcloud-go,
// and tests inspect its world and request log.
func Example() {
	s, err := hetznertest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	c := hcloud.NewClient(hcloud.WithToken(s.Token()), hcloud.WithEndpoint(s.URL()))
	ctx := context.Background()

	res, _, err := c.Server.Create(ctx, hcloud.ServerCreateOpts{
		Name:       "web-1",
		ServerType: &hcloud.ServerType{Name: "cx23"},
		Image:      &hcloud.Image{Name: "ubuntu-24.04"},
		Location:   &hcloud.Location{Name: "fsn1"},
		Labels:     map[string]string{"env": "prod"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Server.Name, res.Server.Status, res.Server.PublicNet.IPv4.IP)

	_, _, err = c.Server.Create(ctx, hcloud.ServerCreateOpts{Name: "web-1", ServerType: &hcloud.ServerType{Name: "cx23"}, Image: &hcloud.Image{Name: "ubuntu-24.04"}})
	fmt.Println(hcloud.IsError(err, hcloud.ErrorCodeUniquenessError))

	prod, _ := c.Server.AllWithOpts(ctx, hcloud.ServerListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "env in (prod)"}})
	fmt.Println(len(prod), len(s.Servers()))
	fmt.Println("POST /v1/servers:", s.Knobs().Count("POST", "/v1/servers"), "mutating:", len(sim.MutatingOf(s.Knobs().Requests())))
	// Output:
	// web-1 initializing 127.0.1.1
	// true
	// 1 1
	// POST /v1/servers: 2 mutating: 2
}
