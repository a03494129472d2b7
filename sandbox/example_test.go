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
	for _, run := range []string{"first", "second"} {
		out, err := r.Ensure(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println(run, "run:", out.Op("ssh-key"), out.Op("server"), out.Op("dns"), out.Op("storage"), out.Op("builder"))
	}
	// Output:
	// first run: created created created created created
	// second run: unchanged unchanged unchanged unchanged unchanged
}
