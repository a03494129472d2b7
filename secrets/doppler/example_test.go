package doppler_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets/doppler"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func Example() {
	api := secretstest.NewDoppler()
	api.AddToken("dp.st.example")
	api.AddConfig("shop", "prd")
	srv, err := secretstest.Serve(api)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	ctx := context.Background()
	store := doppler.New("shop", "prd", doppler.WithToken(secret.New("dp.st.example")), doppler.WithBaseURL(srv.URL))
	fmt.Println(store.Check(ctx))
	for range 2 {
		op, err := store.Put(ctx, store.Ref("KAMAL_REGISTRY_PASSWORD"), secret.New("hunter2"))
		fmt.Println(op, err)
	}
	fmt.Println(api.Names("shop", "prd"))
	// Output:
	// <nil>
	// created <nil>
	// unchanged <nil>
	// [DOPPLER_CONFIG DOPPLER_ENVIRONMENT DOPPLER_PROJECT KAMAL_REGISTRY_PASSWORD]
}
