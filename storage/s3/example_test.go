package s3_test

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
	"github.com/assemblekit/assemble/storage/s3/s3test"
)

// A Hetzner Object Storage provider pointed at the simulator.
func ExampleHetzner() {
	srv, err := s3test.Start(s3test.WithRegion("fsn1"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	p := s3.Hetzner("fsn1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()), s3.WithEndpoint(srv.URL()))
	spec := storage.BucketSpec{
		Name:           "shop-uploads",
		Owner:          "shop",
		PublicPrefixes: []string{"public/"},
		CORSOrigins:    []string{"https://shop.example.com"},
	}
	ctx := context.Background()

	plan, _ := p.Plan(ctx, spec)
	for _, c := range plan {
		fmt.Println(c)
	}
	b, op, err := p.Ensure(ctx, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op, b.Name, b.Region)
	_, op, _ = p.Ensure(ctx, spec)
	fmt.Println(op)
	fmt.Println(b.Env().Secret[storage.EnvSecretAccessKey])
	// Output:
	// created bucket "shop-uploads": region fsn1
	// created bucket owner marker "shop-uploads": owner shop
	// created bucket cors "shop-uploads": origins: https://shop.example.com
	// created bucket policy "shop-uploads": public read: public/
	// created shop-uploads fsn1
	// unchanged
	// [REDACTED]
}

// Destroy refuses a bucket with objects in it unless told to empty it.
func ExampleProvider_Destroy() {
	srv, err := s3test.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	p := s3.MinIO(srv.URL(), secret.New(srv.AccessKey()), secret.New(srv.SecretKey()))
	ctx := context.Background()
	spec := storage.BucketSpec{Name: "scratch", Owner: "shop"}
	if _, _, err := p.Ensure(ctx, spec); err != nil {
		panic(err)
	}
	_ = srv.PutObject("scratch", "photo.jpg", []byte("…"))

	_, err = p.Destroy(ctx, spec)
	fmt.Println(err)
	spec.EmptyOnDestroy = true
	changes, _ := p.Destroy(ctx, spec)
	fmt.Println(changes)
	fmt.Println(len(srv.Buckets()))
	// Output:
	// destroy bucket "scratch": delete bucket "scratch": BucketNotEmpty (HTTP 409): the bucket holds objects (delete them first, or set EmptyOnDestroy)
	// [deleted bucket "scratch": 1 objects deleted first]
	// 0
}
