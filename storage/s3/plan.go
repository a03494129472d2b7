package s3

import (
	"context"
	"fmt"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/storage"
)

// step is one change and the call that makes it.
type step struct {
	change ensure.Change
	do     func(ctx context.Context) error
}

// Plan returns the changes Ensure would make, using reads only. It reads for
// itself: no preflight comes before a plan, so a primed read would only be
// the leftover of one that failed elsewhere.
func (p *Provider) Plan(ctx context.Context, spec storage.BucketSpec) (ensure.Changes, error) {
	if err := p.check(spec); err != nil {
		return nil, fmt.Errorf("plan bucket %q: %w", spec.Name, err)
	}
	o, err := p.observe(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("plan bucket %q: %w", spec.Name, err)
	}
	steps, err := p.diff(spec, o)
	if err != nil {
		return nil, fmt.Errorf("plan bucket %q: %w", spec.Name, err)
	}
	out := make(ensure.Changes, 0, len(steps))
	for _, s := range steps {
		out = append(out, s.change)
	}
	return out, nil
}

// Validate implements storage.Validator. It first checks, without a
// request, the provider's configuration (keys, location, endpoint) and the
// spec against S3's rules and what this vendor can do. Then it reads from
// the vendor, in one parallel round, what Ensure would read anyway: the
// credentials (ListBuckets), whether the bucket exists and whose it is (the
// owner marker), and its objects, CORS rules, policy, versioning and object
// lock. So it refuses, with the same errors Ensure would return and without
// any mutating request, keys the vendor rejects (ensure.ErrUnauthorized), a
// name taken by another account or a bucket marked with another owner
// (ensure.ErrConflict), and object lock on an existing bucket
// (ensure.ErrReplaceRequired). What it read primes the next Ensure
// of the same spec on this Provider, which then sends no read of its own
// (used once, and only within a short TTL; otherwise they read as before).
func (p *Provider) Validate(ctx context.Context, spec storage.BucketSpec) error {
	fail := func(err error) error { return fmt.Errorf("check bucket %q: %w", spec.Name, err) }
	if err := p.check(spec); err != nil {
		return fail(err)
	}
	o, err := p.observe(ctx, spec)
	if err != nil {
		return fail(err)
	}
	if _, err := p.diff(spec, o); err != nil {
		return fail(err)
	}
	p.prime(spec, o)
	return nil
}

// check validates the spec against the rules and what this vendor can do,
// without any request.
func (p *Provider) check(spec storage.BucketSpec) error {
	if p.err != nil {
		return p.err
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	if spec.Region != "" && spec.Region != p.region {
		return ensure.Invalid("bucket.region", spec.Region, "this provider's endpoint serves region "+p.region,
			"leave Region empty or use a provider for "+spec.Region)
	}
	v := p.vendor
	switch {
	case len(spec.PublicPrefixes) > 0 && !v.policies:
		return ensure.Invalid("bucket.public_prefixes", strings.Join(spec.PublicPrefixes, ","), v.name+" has no bucket policies",
			"make the bucket public in the vendor's dashboard (R2: an r2.dev or custom domain) and drop PublicPrefixes")
	case spec.Versioning && !v.versioning:
		return ensure.Invalid("bucket.versioning", "true", v.name+" does not support S3 versioning", "drop Versioning")
	case spec.ObjectLock && !v.objectLock:
		return ensure.Invalid("bucket.object_lock", "true", v.name+" does not support S3 object lock", "drop ObjectLock")
	}
	return nil
}

// diff decides what Ensure must do. It fails when the bucket is not ours.
func (p *Provider) diff(spec storage.BucketSpec, o *observed) ([]step, error) {
	name := spec.Name
	change := func(kind string, op ensure.Op, detail string) ensure.Change {
		return ensure.Change{Kind: kind, Name: name, Op: op, Detail: detail}
	}
	var steps []step
	creating := !o.exists
	switch {
	case o.foreign:
		return nil, &Error{Op: "ensure bucket", Bucket: name, Code: "BucketAlreadyExists", Status: 409,
			Message: "the name is taken by another account", Fix: "choose another bucket name; S3 bucket names are global to the endpoint",
			Kind: ensure.ErrConflict}
	case creating:
		steps = append(steps, step{change("bucket", ensure.Created, "region "+p.region), func(ctx context.Context) error {
			return p.create(ctx, spec)
		}})
	case o.marked && o.owner != spec.Owner:
		who := o.owner
		if who == "" {
			who = "something other than assemble"
		}
		return nil, &Error{Op: "ensure bucket", Bucket: name, Message: fmt.Sprintf("the bucket is marked as owned by %q", who),
			Fix: "choose another bucket name, or remove " + MarkerKey + " from it if it is really yours", Kind: ensure.ErrConflict}
	case !o.marked && !o.empty && !spec.Adopt:
		return nil, &Error{Op: "ensure bucket", Bucket: name, Message: "the bucket exists, holds objects and carries no assemble owner marker",
			Fix: "set Adopt to take it over, or choose another bucket name", Kind: ensure.ErrConflict}
	default:
		steps = append(steps, step{change: change("bucket", ensure.Unchanged, "")})
	}
	if spec.ObjectLock && !creating && !o.objectLock {
		c := change("bucket", ensure.Updated, "object lock: off → on (only possible at creation)")
		c.Replace = true
		return append(steps, step{change: c}), &Error{Op: "ensure bucket", Bucket: name, Message: "object lock can only be turned on when the bucket is created",
			Fix: "use a new bucket name, or drop ObjectLock", Kind: ensure.ErrReplaceRequired}
	}
	if creating || !o.marked {
		op := ensure.Created
		if !creating {
			op = ensure.Updated
		}
		steps = append(steps, step{change("bucket owner marker", op, "owner "+spec.Owner), func(ctx context.Context) error {
			return p.writeMarker(ctx, name, spec.Owner)
		}})
	}
	if spec.Versioning && (creating || o.versioning != minio.Enabled) {
		op := ensure.Updated
		if creating {
			op = ensure.Created
		}
		steps = append(steps, step{change("bucket versioning", op, "enabled"), func(ctx context.Context) error {
			if spec.ObjectLock {
				return nil // object lock turned it on already
			}
			return p.wrap("enable versioning of bucket", name, p.client.EnableVersioning(ctx, name))
		}})
	}
	want := desiredCORS(spec.CORSOrigins)
	var have = o.cors
	if creating {
		have = nil
	}
	if !sameCORS(want, have) {
		op, detail := ensure.Updated, "origins: "+strings.Join(corsOrigins(want), ", ")
		switch {
		case want == nil:
			op, detail = ensure.Deleted, "remove CORS rules for "+strings.Join(corsOrigins(have), ", ")
		case have == nil:
			op = ensure.Created
		}
		steps = append(steps, step{change("bucket cors", op, detail), func(ctx context.Context) error {
			if want == nil {
				return p.wrap("delete CORS of bucket", name, p.client.SetBucketCors(ctx, name, nil))
			}
			return p.wrap("put CORS of bucket", name, p.client.SetBucketCors(ctx, name, want))
		}})
	}
	if p.vendor.policies {
		wantPol := desiredPolicy(name, spec.PublicPrefixes)
		havePol := o.policy
		if creating {
			havePol = ""
		}
		if !samePolicy(wantPol, havePol) {
			op, detail := ensure.Updated, "public read: "+strings.Join(spec.PublicPrefixes, ", ")
			switch {
			case wantPol == "":
				op, detail = ensure.Deleted, "remove the bucket policy"
			case havePol == "":
				op = ensure.Created
			}
			steps = append(steps, step{change("bucket policy", op, detail), func(ctx context.Context) error {
				if wantPol == "" {
					return p.wrap("delete policy of bucket", name, p.client.SetBucketPolicy(ctx, name, ""))
				}
				return p.wrap("put policy of bucket", name, p.client.SetBucketPolicy(ctx, name, wantPol))
			}})
		}
	}
	return steps, nil
}
