package s3

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/storage"
)

// Ensure makes the bucket match spec and returns it with what was done:
// Created when the bucket was made, Updated when only its marker, CORS,
// policy or versioning changed, Unchanged when nothing had to (and then no
// mutating request was sent).
//
// The spec is validated and the credentials proven (a ListBuckets) before
// anything mutates; the bucket's state is read in one parallel round, or
// taken from what Validate read for the same spec moments ago. A name held
// by another account, a bucket marked with another owner, or an unmarked
// bucket with objects in it (unless spec.Adopt) fails with an error that
// unwraps to ensure.ErrConflict.
func (p *Provider) Ensure(ctx context.Context, spec storage.BucketSpec) (*storage.Bucket, ensure.Op, error) {
	fail := func(err error) (*storage.Bucket, ensure.Op, error) {
		return nil, "", fmt.Errorf("ensure bucket %q: %w", spec.Name, err)
	}
	if err := p.check(spec); err != nil {
		return fail(err)
	}
	o, err := p.look(ctx, spec)
	if err != nil {
		return fail(err)
	}
	steps, err := p.diff(spec, o)
	if err != nil {
		return fail(err)
	}
	var ops []ensure.Op
	for _, s := range steps {
		if s.do == nil {
			continue
		}
		p.log.DebugContext(ctx, "s3: "+s.change.String())
		ensure.Report(ctx, "%s", s.change.String())
		if err := s.do(ctx); err != nil {
			return fail(err)
		}
		ops = append(ops, s.change.Op)
	}
	op := ensure.Unchanged
	if len(ops) > 0 {
		op = ensure.Updated
		if steps[0].change.Kind == "bucket" && steps[0].change.Op == ensure.Created {
			op = ensure.Created
		}
	}
	return p.bucket(spec.Name), op, nil
}

// create makes the bucket. A create whose response was lost (the request
// committed, the answer didn't arrive, minio-go retried) comes back as
// BucketAlreadyOwnedByYou: that is our bucket, made by the first attempt.
func (p *Provider) create(ctx context.Context, spec storage.BucketSpec) error {
	err := p.client.MakeBucket(ctx, spec.Name, minio.MakeBucketOptions{Region: p.region, ObjectLocking: spec.ObjectLock})
	if err == nil {
		return nil
	}
	werr := p.wrap("create bucket", spec.Name, err)
	switch {
	case IsCode(werr, "BucketAlreadyOwnedByYou"):
		p.log.DebugContext(ctx, "s3: bucket already ours (an earlier create committed)", "bucket", spec.Name)
		return nil
	case IsCode(werr, "BucketAlreadyExists"):
		if e, ok := werr.(*Error); ok {
			e.Fix = "choose another bucket name; S3 bucket names are global to the endpoint"
		}
	}
	return werr
}
