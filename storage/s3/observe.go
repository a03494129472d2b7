package s3

import (
	"context"
	"errors"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/cors"

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

// observe reads the bucket's state. The first request (ListBuckets) also
// proves the credentials: a wrong key fails here, before anything mutates.
func (p *Provider) observe(ctx context.Context, spec storage.BucketSpec) (*observed, error) {
	o := &observed{}
	name := spec.Name
	buckets, err := p.client.ListBuckets(ctx)
	listed := false
	switch err := p.wrap("list buckets", "", err); {
	case err == nil:
		listed = true
		for _, b := range buckets {
			if b.Name == name {
				o.exists = true
			}
		}
	case errors.Is(err, ensure.ErrForbidden):
		// A key scoped to one bucket may not list: find out with HEAD.
		p.log.DebugContext(ctx, "s3: list buckets forbidden, probing the bucket", "bucket", name)
	default:
		return nil, err
	}
	if !o.exists {
		ok, err := p.client.BucketExists(ctx, name)
		switch err := p.wrap("look up bucket", name, err); {
		case err == nil && ok:
			o.exists = true
		case err == nil:
			p.log.DebugContext(ctx, "s3: bucket absent", "bucket", name)
			return o, nil
		case errors.Is(err, ensure.ErrForbidden) && listed:
			// Not in our list and HEAD says 403: the name belongs to someone
			// else.
			o.exists, o.foreign = true, true
			return o, nil
		case errors.Is(err, ensure.ErrForbidden):
			return nil, err
		default:
			return nil, err
		}
	}
	if o.owner, o.marked, err = p.readMarker(ctx, name); err != nil {
		if errors.Is(err, ensure.ErrForbidden) {
			o.foreign = true
			return o, nil
		}
		return nil, err
	}
	if o.empty, err = p.isEmpty(ctx, name); err != nil {
		return nil, err
	}
	if o.cors, err = p.client.GetBucketCors(ctx, name); err != nil {
		return nil, p.wrap("get CORS of bucket", name, err)
	}
	if p.vendor.policies {
		if o.policy, err = p.client.GetBucketPolicy(ctx, name); err != nil {
			return nil, p.wrap("get policy of bucket", name, err)
		}
	}
	if spec.Versioning {
		v, err := p.client.GetBucketVersioning(ctx, name)
		if err != nil {
			return nil, p.wrap("get versioning of bucket", name, err)
		}
		o.versioning = v.Status
	}
	if spec.ObjectLock {
		enabled, _, _, _, err := p.client.GetObjectLockConfig(ctx, name)
		switch {
		case err == nil:
			o.objectLock = enabled == "Enabled"
		case minio.ToErrorResponse(err).Code == "ObjectLockConfigurationNotFoundError":
		default:
			return nil, p.wrap("get object lock of bucket", name, err)
		}
	}
	return o, nil
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
