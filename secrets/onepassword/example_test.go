package onepassword_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/onepassword"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func Example() {
	// A fake op answering exactly the commands the provider runs.
	fakes, err := secretstest.OpenCLIs()
	if err != nil {
		panic(err)
	}
	defer fakes.Close()
	fakes.On("op", "account", "get", "--account", "my.1password.com").Stdout("URL: https://my.1password.com\n")
	fakes.On("op", "item", "get", "kamal", "--vault", "Deploy", "--format", "json", "--account", "my.1password.com").
		Stdout(`{"id":"abc123","title":"kamal","category":"SECURE_NOTE","fields":[{"id":"KAMAL_REGISTRY_PASSWORD","type":"CONCEALED","label":"KAMAL_REGISTRY_PASSWORD","value":"hunter2"}]}`)

	ctx := context.Background()
	store := onepassword.New("my.1password.com", "Deploy", onepassword.WithBinary(fakes.Path("op")))
	if err := store.Check(ctx); err != nil {
		panic(err)
	}
	ref := store.Ref("KAMAL_REGISTRY_PASSWORD")
	op, err := store.Put(ctx, ref, secret.New("hunter2"))
	fmt.Println(op, err)

	lines, _ := store.KamalLines([]secrets.Ref{ref})
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Println(fakes.Commands())
	// Output:
	// unchanged <nil>
	// SECRETS=$(kamal secrets fetch --adapter 1password --account my.1password.com --from Deploy/kamal KAMAL_REGISTRY_PASSWORD)
	// KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract Deploy/kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})
	// [op account get --account my.1password.com op item get kamal --vault Deploy --format json --account my.1password.com]
}
