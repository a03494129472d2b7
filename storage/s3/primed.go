package s3

import (
	"context"

	"github.com/assemblekit/assemble/storage"
)

// primeKey is everything observe's answer depends on besides the spec's
// read flags: which endpoint, signed for which region, with which access key
// ID (never the secret), about which bucket.
type primeKey struct {
	endpoint, region, accessKeyID, bucket string
}

// primedRead is what Validate observed, and which of the optional reads it
// made.
type primedRead struct {
	o                      *observed
	versioning, objectLock bool
}

func (p *Provider) primeKey(spec storage.BucketSpec) primeKey {
	return primeKey{endpoint: p.endpoint.String(), region: p.region, accessKeyID: p.accessKey.Reveal(), bucket: spec.Name}
}

// prime keeps what Validate observed for the Ensure that follows.
func (p *Provider) prime(spec storage.BucketSpec, o *observed) {
	p.primed.Put(p.primeKey(spec), primedRead{o: o, versioning: spec.Versioning, objectLock: spec.ObjectLock})
}

// look returns what Validate observed for spec moments ago, if it is still
// fresh and covers the reads spec needs (it is then used up), and otherwise
// observes.
func (p *Provider) look(ctx context.Context, spec storage.BucketSpec) (*observed, error) {
	if r, ok := p.primed.Take(p.primeKey(spec)); ok && (r.versioning || !spec.Versioning) && (r.objectLock || !spec.ObjectLock) {
		p.log.DebugContext(ctx, "s3: using what the preflight read", "bucket", spec.Name)
		return r.o, nil
	}
	return p.observe(ctx, spec)
}
