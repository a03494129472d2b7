package s3test_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/assemblekit/assemble/storage/s3/s3test"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func Example() {
	srv, err := s3test.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	u, _ := url.Parse(srv.URL())
	c, _ := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey(), srv.SecretKey(), ""), Region: "us-east-1"})
	ctx := context.Background()
	if err := c.MakeBucket(ctx, "uploads", minio.MakeBucketOptions{}); err != nil {
		panic(err)
	}
	if _, err := c.PutObject(ctx, "uploads", "hello.txt", strings.NewReader("hi"), 2, minio.PutObjectOptions{}); err != nil {
		panic(err)
	}
	for _, b := range srv.Buckets() {
		fmt.Println(b.Name, b.Keys)
	}
	bad, _ := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey(), "wrong", ""), Region: "us-east-1"})
	_, err = bad.ListBuckets(ctx)
	fmt.Println(minio.ToErrorResponse(err).Code)
	fmt.Println("mutating requests:", srv.Knobs().Mutating())
	// Output:
	// uploads [hello.txt]
	// SignatureDoesNotMatch
	// mutating requests: 2
}
