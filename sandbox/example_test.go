package sandbox_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/sandbox"
)

func Example() {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	r := sb.Recipe("shop")
	for range 2 {
		out, err := r.Ensure(ctx)
		if err != nil {
			panic(err)
		}
		for _, s := range out.Steps() {
			fmt.Println(s.Step, s.Op)
		}
	}
	// Output:
	// ssh-key created
	// ssh-key unchanged
}
