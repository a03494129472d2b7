// Package s3 is the storage provider for any S3-compatible object store,
// built on minio-go: Hetzner Object Storage, MinIO, Cloudflare R2, AWS S3, or
// a generic endpoint.
//
// Ensure makes a bucket match a storage.BucketSpec: it creates the bucket
// (a name taken by someone else is ensure.ErrConflict), marks it as owned by
// the spec's Owner with a small marker object (Hetzner has no bucket
// tagging, so a marker works everywhere), and puts the bucket's CORS rules,
// public-read policy and versioning in place, comparing what is there
// semantically and writing only what differs. A second Ensure on a converged
// bucket sends only reads, all at once: one round trip.
//
// Validate (the Recipe's preflight, before any step changes anything) checks
// the configuration and the spec offline, then makes that same round of
// reads, so keys the vendor rejects or a bucket owned by someone else stop
// the run before it starts; what it read primes the Ensure that follows,
// which then reads nothing.
//
// Plan says what Ensure would do with reads only; Destroy deletes only a
// bucket marked as owned by the spec's Owner and refuses a non-empty one
// unless the spec says to empty it; Estimate gives the preset's list price.
//
// Point any preset at a simulator (storage/s3/s3test) with WithEndpoint.
package s3
