package storage_test

import (
	"errors"
	"fmt"
	"sort"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/storage"
)

func ExampleBucketSpec_Validate() {
	err := storage.BucketSpec{Name: "Shop_Uploads", Owner: "shop"}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, ensure.ErrInvalidSpec))
	// Output:
	// invalid bucket.name "Shop_Uploads": uppercase letters are not allowed (use lowercase: shop_uploads)
	// true
}

func ExampleBucket_Env() {
	b := &storage.Bucket{
		Name: "shop-uploads", Region: "fsn1", Endpoint: "https://fsn1.your-objectstorage.com",
		AccessKey: secret.New("AKIAEXAMPLE"), SecretKey: secret.New("wJalrXUtnFEMI"),
	}
	env := b.Env()
	keys := make([]string, 0, len(env.Clear))
	for k := range env.Clear {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s=%s\n", k, env.Clear[k])
	}
	fmt.Println(storage.EnvSecretAccessKey, "=", env.Secret[storage.EnvSecretAccessKey])
	// Output:
	// S3_BUCKET=shop-uploads
	// S3_ENDPOINT=https://fsn1.your-objectstorage.com
	// S3_FORCE_PATH_STYLE=false
	// S3_REGION=fsn1
	// S3_SECRET_ACCESS_KEY = [REDACTED]
}
