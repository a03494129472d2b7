package awssm_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/awssm"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func Example() {
	sm := secretstest.NewSecretsManager()
	srv, err := secretstest.Serve(sm)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	ctx := context.Background()
	store := awssm.New("eu-central-1", awssm.WithEndpoint(srv.URL),
		awssm.WithStaticCredentials("AKIAEXAMPLE", secret.New("example-secret-key")))
	ref := store.Ref("KAMAL_REGISTRY_PASSWORD")
	op, _ := store.Put(ctx, ref, secret.New("hunter2"))
	fmt.Println(op)
	op, _ = store.Put(ctx, ref, secret.New("hunter2"))
	fmt.Println(op, sm.MutatingOps())

	lines, _ := store.KamalLines([]secrets.Ref{ref})
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// created
	// unchanged 1
	// SECRETS=$(kamal secrets fetch --adapter aws_secrets_manager kamal)
	// KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})
}
