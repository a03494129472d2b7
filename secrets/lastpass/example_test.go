package lastpass_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets/lastpass"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func Example() {
	fakes, err := secretstest.OpenCLIs()
	if err != nil {
		panic(err)
	}
	defer fakes.Close()
	fakes.On("lpass", "status", "--color", "never").Stdout("Logged in as ops@example.com.\n")
	fakes.On("lpass", "show", "Kamal/KAMAL_REGISTRY_PASSWORD", "--json").Fail(1, "Error: Could not find specified account(s).\n")
	fakes.On("lpass", "add", "--sync=now", "--non-interactive", "--password", "Kamal/KAMAL_REGISTRY_PASSWORD")

	ctx := context.Background()
	store := lastpass.New("ops@example.com", lastpass.WithBinary(fakes.Path("lpass")))
	fmt.Println(store.Check(ctx))
	op, err := store.Put(ctx, store.Ref("KAMAL_REGISTRY_PASSWORD"), secret.New("hunter2"))
	fmt.Println(op, err)
	last := fakes.Calls()[2]
	fmt.Printf("%s, stdin %d bytes\n", last, len(last.Stdin))
	// Output:
	// <nil>
	// created <nil>
	// lpass add --sync=now --non-interactive --password Kamal/KAMAL_REGISTRY_PASSWORD, stdin 8 bytes
}
