package s3

import (
	"context"
	"errors"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/cors"
	"golang.org/x/sync/errgroup"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/storage"
)

// observed is what is there now, read without mutating.
type observed struct {
	exists bool
	// foreign: the name exists but these credentials may not use it.
	foreign bool
	// owner is the marker's owner; marked says whether there is a marker.
	owner  string
	marked bool
	// empty: no object but the marker.
	empty      bool
	cors       *cors.Config
	policy     string
	versioning string
	objectLock bool
}

// reads is what one round of observe brought back, each read with its own
// error (already wrapped).
type reads struct {
	buckets []minio.BucketInfo
	listErr error

	owner     string
	marked    bool
	markerErr error

	empty    bool
	emptyErr error

	cors    *cors.Config
	corsErr error

	policy    string
	policyErr error

	versioning    string
	versioningErr error

	objectLock    bool
	objectLockErr error
}

// observe reads the bucket's state. The reads don't depend on each other,
// so they go out together: a converged bucket costs one round trip, not
// five. ListBuckets proves the credentials (a wrong key fails there, before
// anything mutates) and says whether the bucket is ours; the bucket's own
// reads (owner marker, first objects, CORS, policy, and versioning or
// object lock when the spec asks for them) answer NoSuchBucket when it is
// absent and AccessDenied when it belongs to someone else. Errors are
// reported in that fixed order, whatever order the answers came in.
//
// A bucket made or deleted while the round was in flight (the answers
// disagree about whether it exists) is read once more.
func (p *Provider) observe(ctx context.Context, spec storage.BucketSpec) (*observed, error) {
	o, racing, err := p.interpret(ctx, spec, p.readAll(ctx, spec))
	if !racing {
		return o, err
	}
	p.log.DebugContext(ctx, "s3: the bucket changed while it was read, reading again", "bucket", spec.Name)
	o, racing, err = p.interpret(ctx, spec, p.readAll(ctx, spec))
	if racing {
		return nil, &Error{Op: "look up bucket", Bucket: spec.Name, Message: "the bucket was created or deleted while it was being read, twice",
			Fix: "something else is changing this bucket right now; run again when it is done", Kind: ensure.ErrConflict}
	}
	return o, err
}

// readAll sends every read of observe at once. Not errgroup.WithContext:
// one failed read must not cancel the others, whose errors may come first
// in the report.
func (p *Provider) readAll(ctx context.Context, spec storage.BucketSpec) *reads {
	name := spec.Name
	r := &reads{}
	var g errgroup.Group
	g.Go(func() error {
		var err error
		r.buckets, err = p.client.ListBuckets(ctx)
		r.listErr = p.wrap("list buckets", "", err)
		return nil
	})
	g.Go(func() error {
		r.owner, r.marked, r.markerErr = p.readMarker(ctx, name)
		return nil
	})
	g.Go(func() error {
		r.empty, r.emptyErr = p.isEmpty(ctx, name)
		return nil
	})
	g.Go(func() error {
		var err error
		r.cors, err = p.client.GetBucketCors(ctx, name)
		r.corsErr = p.wrap("get CORS of bucket", name, err)
		return nil
	})
	if p.vendor.policies {
		g.Go(func() error {
			var err error
			r.policy, err = p.client.GetBucketPolicy(ctx, name)
			r.policyErr = p.wrap("get policy of bucket", name, err)
			return nil
		})
	}
	if spec.Versioning {
		g.Go(func() error {
			v, err := p.client.GetBucketVersioning(ctx, name)
			r.versioning, r.versioningErr = v.Status, p.wrap("get versioning of bucket", name, err)
			return nil
		})
	}
	if spec.ObjectLock {
		g.Go(func() error {
			enabled, _, _, _, err := p.client.GetObjectLockConfig(ctx, name)
			switch {
			case err == nil:
				r.objectLock = enabled == "Enabled"
			case minio.ToErrorResponse(err).Code == "ObjectLockConfigurationNotFoundError":
			default:
				r.objectLockErr = p.wrap("get object lock of bucket", name, err)
			}
			return nil
		})
	}
	_ = g.Wait() // every read keeps its own error
	return r
}

// interpret turns one round of reads into what is there. racing says the
// answers disagree about whether the bucket exists (it was made or deleted
// in between), so the round must be read again.
func (p *Provider) interpret(ctx context.Context, spec storage.BucketSpec, r *reads) (o *observed, racing bool, err error) {
	name := spec.Name
	o = &observed{}
	listed := false
	switch err := r.listErr; {
	case err == nil:
		listed = true
		for _, b := range r.buckets {
			if b.Name == name {
				o.exists = true
			}
		}
	case errors.Is(err, ensure.ErrForbidden):
		// A key scoped to one bucket may not list: the bucket's own reads
		// tell.
		p.log.DebugContext(ctx, "s3: list buckets forbidden, the bucket's own reads decide", "bucket", name)
	default:
		return nil, false, err
	}
	// The bucket's other reads that were sent, in the order their errors
	// are reported.
	rest := []error{r.emptyErr, r.corsErr}
	if p.vendor.policies {
		rest = append(rest, r.policyErr)
	}
	if spec.Versioning {
		rest = append(rest, r.versioningErr)
	}
	if spec.ObjectLock {
		rest = append(rest, r.objectLockErr)
	}
	switch err := r.markerErr; {
	case IsCode(err, "NoSuchBucket"):
		if o.exists {
			return nil, true, nil // listed, then gone
		}
		for _, e := range rest {
			if e == nil {
				return nil, true, nil // absent, then there
			}
		}
		p.log.DebugContext(ctx, "s3: bucket absent", "bucket", name)
		return &observed{}, false, nil
	case errors.Is(err, ensure.ErrForbidden) && listed:
		// Ours would be in the list, or at least readable: the name belongs
		// to someone else.
		p.log.DebugContext(ctx, "s3: bucket belongs to another account", "bucket", name)
		return &observed{exists: true, foreign: true}, false, nil
	case err != nil:
		return nil, false, err
	}
	o.exists = true
	for _, e := range rest {
		if IsCode(e, "NoSuchBucket") {
			return nil, true, nil // there, then gone
		}
	}
	for _, e := range rest {
		if e != nil {
			return nil, false, e
		}
	}
	o.owner, o.marked = r.owner, r.marked
	o.empty, o.cors, o.policy = r.empty, r.cors, r.policy
	o.versioning, o.objectLock = r.versioning, r.objectLock
	return o, false, nil
}

// isEmpty reports whether the bucket holds nothing but the marker.
func (p *Provider) isEmpty(ctx context.Context, bucket string) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range p.client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, MaxKeys: 2}) {
		if obj.Err != nil {
			return false, p.wrap("list objects of bucket", bucket, obj.Err)
		}
		if obj.Key != MarkerKey {
			return false, nil
		}
	}
	return true, nil
}
