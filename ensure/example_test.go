package ensure_test

import (
	"errors"
	"fmt"

	"github.com/assemblekit/assemble/ensure"
)

func ExampleChange() {
	plan := ensure.Changes{
		{Kind: "ssh key", Name: "shop", Op: ensure.Unchanged},
		{Kind: "firewall", Name: "shop", Op: ensure.Updated, Detail: "rules: +tcp/443"},
		{Kind: "server", Name: "shop-1", Op: ensure.Updated, Detail: "type: cx23 → cx33", Replace: true},
	}
	for _, c := range plan.Mutating() {
		fmt.Println(c)
	}
	// Output:
	// updated firewall "shop": rules: +tcp/443
	// updated server "shop-1" (needs replacement): type: cx23 → cx33
}

func ExampleInvalidError() {
	err := fmt.Errorf("ensure server %q: %w", "shop-1",
		ensure.Invalid("server.type", "cx99", "no such server type", "use one of: cx23, cx33"))
	fmt.Println(err)
	fmt.Println(errors.Is(err, ensure.ErrInvalidSpec))
	// Output:
	// ensure server "shop-1": invalid server.type "cx99": no such server type (use one of: cx23, cx33)
	// true
}

func ExampleMerge() {
	fmt.Println(ensure.Merge(ensure.Unchanged, ensure.Updated, ensure.Unchanged))
	fmt.Println(ensure.Merge())
	// Output:
	// updated
	// unchanged
}
