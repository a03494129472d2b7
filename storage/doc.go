// Package storage is the object-storage ingredient of assemble: the bucket an
// app keeps its uploads in, and the keys Kamal hands the app as secrets.
//
// BucketSpec says what bucket is wanted; a Provider (see storage/s3 for
// Hetzner Object Storage, MinIO, Cloudflare R2, AWS and any other S3) makes
// the world match it and returns a Bucket, whose Env is what the app needs.
// Planner, Destroyer and Estimator are optional capabilities a provider may
// also have; find them with a type assertion.
//
// The package holds types and rules only: it does no I/O and imports no
// vendor SDK.
package storage
