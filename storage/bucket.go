package storage

import (
	"strconv"

	"github.com/assemblekit/assemble/secret"
)

// Bucket is a bucket as a Provider found or made it: everything an app needs
// to reach it.
type Bucket struct {
	// Name is the bucket's name.
	Name string
	// Region is the region requests are signed for.
	Region string
	// Endpoint is the S3 endpoint URL, e.g. https://fsn1.your-objectstorage.com.
	Endpoint string
	// PathStyle is true when the bucket is addressed as Endpoint/Name rather
	// than as a virtual host Name.host.
	PathStyle bool
	// PublicURL is the base URL under which objects are served to anyone
	// (for keys under a public prefix), without a trailing slash.
	PublicURL string
	// AccessKey and SecretKey are the credentials the app uses.
	AccessKey, SecretKey secret.Value
}

// Env is what an app needs in its environment to use a bucket: Clear values
// may go into config/deploy.yml as they are; Secret values go through Kamal's
// secrets.
type Env struct {
	// Clear holds S3_ENDPOINT, S3_REGION, S3_BUCKET, S3_FORCE_PATH_STYLE and,
	// when known, S3_PUBLIC_URL.
	Clear map[string]string
	// Secret holds S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.
	Secret map[string]secret.Value
}

// The environment variable names Env uses.
const (
	EnvEndpoint        = "S3_ENDPOINT"
	EnvRegion          = "S3_REGION"
	EnvBucket          = "S3_BUCKET"
	EnvForcePathStyle  = "S3_FORCE_PATH_STYLE"
	EnvPublicURL       = "S3_PUBLIC_URL"
	EnvAccessKeyID     = "S3_ACCESS_KEY_ID"
	EnvSecretAccessKey = "S3_SECRET_ACCESS_KEY"
)

// Env returns the app's environment for b.
func (b *Bucket) Env() Env {
	e := Env{
		Clear: map[string]string{
			EnvEndpoint:       b.Endpoint,
			EnvRegion:         b.Region,
			EnvBucket:         b.Name,
			EnvForcePathStyle: strconv.FormatBool(b.PathStyle),
		},
		Secret: map[string]secret.Value{
			EnvAccessKeyID:     b.AccessKey,
			EnvSecretAccessKey: b.SecretKey,
		},
	}
	if b.PublicURL != "" {
		e.Clear[EnvPublicURL] = b.PublicURL
	}
	return e
}
