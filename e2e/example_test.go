package e2e_test

import (
	"context"
	"fmt"
	"time"

	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/sim"
)

// One cell of the fault matrix by hand: the answer to the server create is
// lost after Hetzner made the server. The run looks before creating again,
// finds it, and finishes; the next run changes nothing.
func Example() {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{ActionTime: 20 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	sb.Hetzner.Knobs().Inject(sim.Fault{Kind: sim.DropAfterCommit, Method: "POST", Path: "/v1/servers"})
	r := sb.Recipe("shop")
	_, err = r.Ensure(ctx)
	fmt.Println("first run:", err)
	fmt.Println("servers:", len(sb.Hetzner.Servers()), "creates sent:", sb.Hetzner.Knobs().Count("POST", "/v1/servers"))

	mark := sb.Hetzner.Knobs().Mark()
	_, err = r.Ensure(ctx)
	fmt.Println("second run:", err, "mutating requests:", len(sim.MutatingOf(sb.Hetzner.Knobs().Since(mark))))
	// Output:
	// first run: <nil>
	// servers: 1 creates sent: 1
	// second run: <nil> mutating requests: 0
}
