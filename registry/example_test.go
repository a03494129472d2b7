package registry_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/secret"
)

// Prove a ghcr.io login may push, against the simulator answering as
// ghcr.io (its Transport keeps every request on this machine).
func Example() {
	// ghcr.io issues opaque tokens, so the check starts an upload and
	// cancels it.
	srv, err := registrytest.Start(registrytest.WithBearer(), registrytest.WithRealm("https://ghcr.io/token"), registrytest.WithOpaqueTokens())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddUser("octo", "ghp_example", "push")
	srv.AddUser("viewer", "ghp_readonly", "pull")

	ctx := context.Background()
	login, op, err := registry.Ensure(ctx, registry.GHCR("octo", secret.New("ghp_example"), "ghcr.io/octo/shop"),
		registry.WithTransport(srv.Transport()))
	if err != nil {
		panic(err)
	}
	fmt.Println(op)
	fmt.Println("registry.server:", login.Server)
	fmt.Println("registry.username:", login.Username)
	fmt.Println("registry.password:", login.PasswordSecret)
	fmt.Println("image:", login.Image)

	_, _, err = registry.Ensure(ctx, registry.GHCR("viewer", secret.New("ghp_readonly"), "octo/shop"),
		registry.WithTransport(srv.Transport()))
	fmt.Println(errors.Is(err, ensure.ErrForbidden))
	// Output:
	// unchanged
	// registry.server: ghcr.io
	// registry.username: octo
	// registry.password: KAMAL_REGISTRY_PASSWORD
	// image: octo/shop
	// true
}

// The most common first-deploy mistake, caught before any request: an image
// on ghcr.io with registry.server left unset.
func ExampleSpec_Validate() {
	err := registry.Spec{Username: "octo", Password: secret.New("ghp_example"), Image: "ghcr.io/octo/shop"}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, ensure.ErrInvalidSpec))
	// Output:
	// image "ghcr.io/octo/shop" is on ghcr.io but registry.server is unset, so Kamal logs in to Docker Hub (docker.io) (set registry.server: ghcr.io and image: octo/shop)
	// true
}

// Kamal's local registry needs no credentials and nothing is checked.
func ExampleLocal() {
	login, _, err := registry.Ensure(context.Background(), registry.Local("shop"))
	if err != nil {
		panic(err)
	}
	fmt.Println(login.Repository(), login.Local())
	// Output: localhost:5555/shop true
}

// A self-hosted registry on loopback, in the simulator's default Basic mode
// (as a Distribution registry with an htpasswd file answers).
func ExampleDistribution() {
	srv, err := registrytest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddUser("ops", "s3cret", "push")

	spec := registry.Distribution(srv.URL(), "ops", secret.New("s3cret"), "team/shop")
	login, _, err := registry.Ensure(context.Background(), spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(spec.Insecure, login.Image, srv.OpenUploads())

	_, _, err = registry.Ensure(context.Background(), registry.Distribution(srv.URL(), "ops", secret.New("wrong"), "team/shop"))
	var ce *registry.CheckError
	fmt.Println(errors.As(err, &ce), ce.Status, errors.Is(err, ensure.ErrUnauthorized))
	// Output:
	// true team/shop 0
	// true 401 true
}

// A preflight that proves push with reads only, and the Ensure that
// follows sending nothing: the registry's token lists what it grants, as
// Docker Hub's, GitLab's and Distribution's token auth's do.
func ExampleProve() {
	srv, err := registrytest.Start(registrytest.WithBearer())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddUser("ci", "ci-token", "me/shop:push")
	spec := registry.Distribution(srv.URL(), "ci", secret.New("ci-token"), "me/shop")

	ctx := context.Background()
	proof, err := registry.Prove(ctx, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println("preflight requests:", len(srv.Knobs().Requests()), "proved push:", proof != nil)

	mark := srv.Knobs().Mark()
	login, _, err := registry.Ensure(ctx, spec, registry.WithProof(proof))
	if err != nil {
		panic(err)
	}
	fmt.Println(login.Repository() == srv.Host()+"/me/shop", "ensure requests:", len(srv.Knobs().Since(mark)))
	// Output:
	// preflight requests: 2 proved push: true
	// true ensure requests: 0
}
