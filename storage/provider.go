package storage

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
)

// Provider makes a bucket match a BucketSpec.
//
// Ensure is idempotent: on a converged world it returns ensure.Unchanged and
// sends no mutating request. A bucket that exists and is not the spec's
// Owner's fails with an error that unwraps to ensure.ErrConflict.
type Provider interface {
	Ensure(ctx context.Context, spec BucketSpec) (*Bucket, ensure.Op, error)
}

// Planner is a Provider that can say what Ensure would change, with reads
// only.
type Planner interface {
	Plan(ctx context.Context, spec BucketSpec) (ensure.Changes, error)
}

// Destroyer is a Provider that can remove the bucket it made. It removes only
// a bucket marked as owned by spec.Owner, refuses a non-empty one unless
// spec.EmptyOnDestroy is set, and reports what it deleted.
type Destroyer interface {
	Destroy(ctx context.Context, spec BucketSpec) (ensure.Changes, error)
}

// Estimator is a Provider that knows its vendor's price list.
type Estimator interface {
	Estimate(ctx context.Context, spec BucketSpec) (Price, error)
}

// Describer is a Provider that can say, without any request, what Ensure's
// Bucket will be (endpoint, region, credentials). The Recipe's plan uses it
// so that the steps after storage can plan too.
type Describer interface {
	Describe(spec BucketSpec) *Bucket
}

// Validator is a Provider that can check, before the Recipe changes
// anything, what its Ensure would refuse about spec: its own configuration
// (keys, location) and the vendor's limits offline, and with reads only what
// only the vendor knows (refused keys, a bucket name someone else holds).
// What it read it may keep for the Ensure that follows.
type Validator interface {
	Validate(ctx context.Context, spec BucketSpec) error
}
