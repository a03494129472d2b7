package hetzner_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
)

// Ensure a server against the simulator. Each simulated server gets a small
// SSH host that presents the host key from its user data, reached through
// the provider's dialer.
func Example() {
	sim, err := hetznertest.Start(hetznertest.WithActionDuration(10 * time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	dial := exampleHosts(sim)

	p := hetzner.New(secret.New(sim.Token()),
		hetzner.WithEndpoint(sim.URL()),
		hetzner.WithDialer(dial),
		hetzner.WithPollInterval(10*time.Millisecond, 50*time.Millisecond),
		hetzner.WithSSHBackoff(10*time.Millisecond, 50*time.Millisecond))

	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	login, _ := ssh.NewPublicKey(pub)
	spec := server.Spec{Name: "shop-1", Type: "cx23", Location: "fsn1", SSHKey: login, Owner: "shop"}

	ctx := context.Background()
	price, _ := p.Estimate(ctx, spec)
	fmt.Println("price:", price)
	plan, _ := p.Plan(ctx, spec)
	for _, c := range plan {
		fmt.Println("plan:", c.Op, c.Kind, c.Name)
	}
	srv, op, err := p.Ensure(ctx, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op, srv.Name, srv.Arch, srv.SSHAddr, srv.HostKey != nil)

	before := sim.Knobs().Mutating()
	_, op, _ = p.Ensure(ctx, spec)
	fmt.Println(op, "mutating requests:", sim.Knobs().Mutating()-before)

	gone, _ := p.Destroy(ctx, spec)
	for _, c := range gone {
		fmt.Println(c)
	}
	// Output:
	// price: 4.1531 EUR/month
	// plan: created ssh key shop
	// plan: created firewall shop-1
	// plan: created server shop-1
	// created shop-1 amd64 127.0.1.1:22 true
	// unchanged mutating requests: 0
	// deleted server "shop-1": id 1003
	// deleted firewall "shop-1"
	// deleted ssh key "shop"
}

// exampleHosts starts an SSH host for each server the simulator boots and
// returns a dialer that reaches it at the server's simulated address.
func exampleHosts(sim *hetznertest.Server) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var mu sync.Mutex
	real := map[string]string{}
	sim.OnBoot(func(_ context.Context, b hetznertest.Boot) error {
		ud, err := server.ParseUserData(b.UserData)
		if err != nil {
			return err
		}
		cfg := &ssh.ServerConfig{NoClientAuth: true}
		cfg.AddHostKey(ud.HostKey)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					if _, chans, reqs, err := ssh.NewServerConn(c, cfg); err == nil {
						go ssh.DiscardRequests(reqs)
						for ch := range chans {
							_ = ch.Reject(ssh.Prohibited, "no")
						}
					}
				}()
			}
		}()
		mu.Lock()
		real[net.JoinHostPort(b.IPv4.String(), "22")] = ln.Addr().String()
		mu.Unlock()
		return nil
	})
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		to, ok := real[addr]
		mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("no simulated host at %s", addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, to)
	}
}
