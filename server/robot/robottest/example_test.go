package robottest_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
)

func Example() {
	sim := robottest.NewHandler()
	if err := sim.Start(); err != nil {
		panic(err)
	}
	defer sim.Close()
	sim.AddServer(robottest.Server{Name: "web", Product: "AX41-NVMe"})

	c := robot.NewClient(sim.User(), secret.New(sim.Password()), robot.WithEndpoint(sim.URL()))
	servers, err := c.Servers(context.Background())
	if err != nil {
		panic(err)
	}
	for _, s := range servers {
		fmt.Println(s.Number, s.Name, s.Product)
	}
	fmt.Println("requests:", len(sim.Knobs().Requests()))
	// Output:
	// 100001 web AX41-NVMe
	// requests: 1
}
