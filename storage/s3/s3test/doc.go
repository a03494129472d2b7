// Package s3test is an in-process S3 server for tests and for assemble's
// sandbox: stateful, safe for concurrent use, and strict where real S3 is
// strict.
//
// Every request is authenticated with AWS Signature Version 4, in the header
// form and the presigned query form, including aws-chunked streaming uploads
// whose chunk signatures are checked one by one. The signing key and HMAC come
// from minio-go's signer package; a wrong secret is answered with
// SignatureDoesNotMatch, an unknown key with InvalidAccessKeyId, both 403 with
// S3's XML error body.
//
// It serves buckets (create, head, list, delete, location, versioning flag,
// object-lock flag), bucket policies and CORS configurations (get, put,
// delete), objects (put, get with ranges, head, delete, multi-delete, list v1
// and v2, multipart uploads) and CORS preflight requests. Anonymous requests
// are allowed only where the bucket policy grants s3:GetObject or
// s3:ListBucket to everyone.
//
// Every server has credentials of its own (AccessKey, SecretKey) and may be
// given more, each pair belonging to an account; buckets belong to the
// account that made them, so a bucket of another account answers
// BucketAlreadyExists on create and AccessDenied otherwise. SeedForeignBucket
// makes such a bucket.
//
// Knobs returns the shared simulator controls (latency, injected faults,
// request log; see package sim). Save and Load (or SaveFile and LoadFile)
// persist the whole world, so a sandbox can keep its buckets between runs.
//
// Versioning keeps every version and writes delete markers, as S3 does.
//
// Not modelled: ACLs, tagging, lifecycle, encryption, virtual-host addressing, and
// signature checks of aws-chunked trailers.
package s3test
