package bitwarden_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/bitwarden"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func Example() {
	fakes, err := secretstest.OpenCLIs()
	if err != nil {
		panic(err)
	}
	defer fakes.Close()
	fakes.On("bw", "status").Stdout(`{"userEmail":"ops@example.com","status":"unlocked"}`)

	store := bitwarden.New("ops@example.com", bitwarden.WithBinary(fakes.Path("bw")),
		bitwarden.WithSession(secret.New("session-from-bw-unlock")))
	fmt.Println(store.Check(context.Background()))
	lines, _ := store.KamalLines([]secrets.Ref{store.Ref("KAMAL_REGISTRY_PASSWORD")})
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// <nil>
	// SECRETS=$(kamal secrets fetch --adapter bitwarden --account ops@example.com --from kamal KAMAL_REGISTRY_PASSWORD)
	// KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})
}
