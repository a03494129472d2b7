package s3

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/storage"
)

// Destroy deletes the bucket if, and only if, it carries the owner marker of
// spec.Owner — or it is the bare bucket an interrupted Ensure leaves between
// creating the bucket and writing its marker (unmarked, no object, version,
// policy or CORS), which Ensure itself would adopt. A bucket that is absent,
// foreign, unmarked with anything in or on it, or marked by another owner is
// left alone and reported as Unchanged. A bucket that holds objects
// (besides the marker) is refused with an error unwrapping to
// ensure.ErrPrecondition, unless spec.EmptyOnDestroy, in which case every
// object (every version, where versioning is on) and unfinished upload is
// deleted first.
func (p *Provider) Destroy(ctx context.Context, spec storage.BucketSpec) (ensure.Changes, error) {
	fail := func(err error) (ensure.Changes, error) {
		return nil, fmt.Errorf("destroy bucket %q: %w", spec.Name, err)
	}
	if err := p.check(spec); err != nil {
		return fail(err)
	}
	// Whatever a Validate read before is about to be untrue.
	p.primed.Forget(p.primeKey(spec))
	o, err := p.observe(ctx, spec)
	if err != nil {
		return fail(err)
	}
	leave := func(why string) (ensure.Changes, error) {
		p.log.DebugContext(ctx, "s3: leaving bucket alone", "bucket", spec.Name, "why", why)
		return ensure.Changes{{Kind: "bucket", Name: spec.Name, Op: ensure.Unchanged, Detail: why}}, nil
	}
	bare := !o.marked && o.empty && o.policy == "" && (o.cors == nil || len(o.cors.CORSRules) == 0)
	switch {
	case !o.exists:
		return nil, nil
	case o.foreign:
		return leave("belongs to another account")
	case !o.marked && !bare:
		return leave("no assemble owner marker")
	case o.marked && o.owner != spec.Owner:
		return leave(fmt.Sprintf("owned by %q, not %q", o.owner, spec.Owner))
	}
	versioned := false
	if v, err := p.client.GetBucketVersioning(ctx, spec.Name); err == nil && v.Status != "" {
		versioned = true
	}
	if versioned && o.empty {
		// Old versions of deleted objects are data too.
		n, err := p.countVersions(ctx, spec.Name)
		if err != nil {
			return fail(err)
		}
		o.empty = n == 0
	}
	if bare && !o.empty {
		return leave("no assemble owner marker")
	}
	if bare {
		p.log.DebugContext(ctx, "s3: deleting the bare, unmarked bucket an interrupted Ensure left", "bucket", spec.Name)
	}
	if !o.empty && !spec.EmptyOnDestroy {
		return fail(&Error{Op: "delete bucket", Bucket: spec.Name, Code: "BucketNotEmpty", Status: 409,
			Message: "the bucket holds objects", Fix: "delete them first, or set EmptyOnDestroy", Kind: ensure.ErrPrecondition})
	}
	removed := 0
	if !o.empty || versioned {
		// With versioning, every version of every key, the marker's
		// included, must go; without, everything but the marker.
		if removed, err = p.empty(ctx, spec.Name, versioned); err != nil {
			return fail(err)
		}
	}
	if !versioned {
		if err := p.wrap("delete owner marker of bucket", spec.Name, p.client.RemoveObject(ctx, spec.Name, MarkerKey, minio.RemoveObjectOptions{})); err != nil {
			return fail(err)
		}
	}
	if err := p.client.RemoveBucket(ctx, spec.Name); err != nil {
		werr := p.wrap("delete bucket", spec.Name, err)
		if !IsCode(werr, "NoSuchBucket") { // a retried delete that had committed
			return fail(werr)
		}
	}
	detail := ""
	if removed > 0 {
		detail = fmt.Sprintf("%d objects deleted first", removed)
	}
	return ensure.Changes{{Kind: "bucket", Name: spec.Name, Op: ensure.Deleted, Detail: detail}}, nil
}

// countVersions counts the versions and delete markers of keys other than
// the marker.
func (p *Provider) countVersions(ctx context.Context, bucket string) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	for o := range p.client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return 0, p.wrap("list object versions of bucket", bucket, o.Err)
		}
		if o.Key != MarkerKey {
			n++
		}
	}
	return n, nil
}

// empty deletes every object (every version, with versions; the marker only
// then) and aborts unfinished uploads. It returns how many objects other
// than the marker it deleted.
func (p *Provider) empty(ctx context.Context, bucket string, versions bool) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	objs := make(chan minio.ObjectInfo)
	var listErr error
	n := 0
	go func() {
		defer close(objs)
		for o := range p.client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: versions}) {
			if o.Err != nil {
				listErr = o.Err
				return
			}
			if o.Key == MarkerKey && !versions {
				continue
			}
			if o.Key != MarkerKey {
				n++
			}
			select {
			case objs <- o:
			case <-ctx.Done():
				return
			}
		}
	}()
	for e := range p.client.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			cancel()
			for range objs {
			}
			return n, p.wrap("delete objects of bucket", bucket, e.Err)
		}
	}
	if listErr != nil {
		return n, p.wrap("list objects of bucket", bucket, listErr)
	}
	for u := range p.client.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			return n, p.wrap("list uploads of bucket", bucket, u.Err)
		}
		if err := p.client.RemoveIncompleteUpload(ctx, bucket, u.Key); err != nil {
			return n, p.wrap("abort upload in bucket", bucket, err)
		}
	}
	return n, nil
}
