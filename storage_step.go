package assemble

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/storage"
)

// StepStorage is the name of the object storage step.
const StepStorage = "storage"

// Storage adds a bucket for the app's uploads: p is the S3 service
// (s3.Hetzner, s3.MinIO, s3.R2, s3.AWS, s3.New), spec the bucket. The recipe
// fills in spec.Owner. It needs nothing else, so it runs from the start.
func (r *Recipe) Storage(p storage.Provider, spec storage.BucketSpec) *Recipe {
	return r.Add(&storageStep{r: r, p: p, spec: spec})
}

type storageStep struct {
	r    *Recipe
	p    storage.Provider
	spec storage.BucketSpec
}

func (s *storageStep) Name() string    { return StepStorage }
func (s *storageStep) Needs() []string { return nil }

func (s *storageStep) resolve() storage.BucketSpec {
	spec := s.spec
	if spec.Owner == "" {
		spec.Owner = s.r.name
	}
	return spec
}

// Validate checks the bucket spec (S3's naming rules) and, when the
// provider is a storage.Validator, what it would refuse — its keys, the
// bucket's owner — before anything runs.
func (s *storageStep) Validate(ctx context.Context) error {
	spec := s.resolve()
	if v, ok := s.p.(storage.Validator); ok {
		return v.Validate(ctx, spec)
	}
	return spec.Validate()
}

func (s *storageStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	b, op, err := s.p.Ensure(ctx, s.resolve())
	if err != nil {
		return "", err
	}
	if b == nil {
		return "", fmt.Errorf("ensure bucket: the provider returned no bucket")
	}
	out.Bucket = b
	return op, nil
}

func (s *storageStep) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	spec := s.resolve()
	changes, err := planVia(ctx, s.p, spec, "bucket", spec.Name)
	if err == nil {
		if d, ok := s.p.(storage.Describer); ok {
			out.Bucket = d.Describe(spec)
		}
	}
	return changes, err
}

func (s *storageStep) Destroy(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	return destroyVia(ctx, s.p, s.resolve())
}
