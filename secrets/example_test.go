package secrets_test

import (
	"fmt"

	"github.com/assemblekit/assemble/secrets"
)

func ExampleFetch() {
	fetch := secrets.Fetch{Var: "SECRETS", Adapter: "1password", Account: "my.1password.com",
		From: "Deploy/kamal", Names: []string{"KAMAL_REGISTRY_PASSWORD", "S3_SECRET_ACCESS_KEY"}}
	fmt.Println(fetch.Line())
	fmt.Println(secrets.ExtractLine("KAMAL_REGISTRY_PASSWORD", "Deploy/kamal/KAMAL_REGISTRY_PASSWORD", "SECRETS"))
	// Output:
	// SECRETS=$(kamal secrets fetch --adapter 1password --account my.1password.com --from Deploy/kamal KAMAL_REGISTRY_PASSWORD S3_SECRET_ACCESS_KEY)
	// KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract Deploy/kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})
}
