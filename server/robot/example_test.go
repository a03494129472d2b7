package robot_test

import (
	"context"
	"fmt"
	"net"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
)

// Example sets up a dedicated server the account already has, against the
// simulator. The dialer stands in for the server's SSH daemon, so the
// simulated address is never dialed.
func Example() {
	sim := robottest.NewHandler()
	if err := sim.Start(); err != nil {
		panic(err)
	}
	defer sim.Close()
	web := sim.AddServer(robottest.Server{Name: "web"})
	h := &hosts{sim: sim}

	loginKey, _ := ssh.ParsePublicKey(mustSigner().PublicKey().Marshal())
	p := robot.New(sim.User(), secret.New(sim.Password()),
		robot.WithEndpoint(sim.URL()),
		robot.WithDialer(h.Dial),
		robot.WithHostKeyCallback(func(addr string, _ net.Addr, key ssh.PublicKey) error {
			// Show the key to a person, or compare it with one read from the
			// server's console; here it is accepted.
			return nil
		}),
	)
	spec := server.Spec{Name: "web", SSHKey: loginKey, Owner: "shop"}
	s, op, err := p.Ensure(context.Background(), spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op, s.Name, s.SSHAddr == web.IPv4.String()+":22", s.Arch)
	fw, _ := sim.FirewallOf(web.Number)
	for _, r := range fw.Input {
		fmt.Println(r.Name)
	}
	_, op, _ = p.Ensure(context.Background(), spec)
	fmt.Println(op)
	// Output:
	// created web true amd64
	// assemble:shop ssh
	// assemble:shop http
	// assemble:shop https
	// assemble:shop tcp replies
	// assemble:shop udp replies
	// assemble:shop icmp
	// unchanged
}
