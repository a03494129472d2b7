package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/minio/minio-go/v7"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// Error is an S3 request that failed: what was being done, the vendor's error
// code and status, and the ensure sentinel it unwraps to.
type Error struct {
	// Op is what was being done: "create bucket", "put bucket policy".
	Op string
	// Bucket is the bucket concerned, if any.
	Bucket string
	// Code is S3's error code (SignatureDoesNotMatch, BucketAlreadyExists,
	// …), or "" for a transport failure.
	Code string
	// Status is the HTTP status, 0 for a transport failure.
	Status int
	// Message is the vendor's message, with known secrets scrubbed.
	Message string
	// RequestID is the vendor's request ID, for support tickets.
	RequestID string
	// Fix says what to do, when something can be said.
	Fix string
	// Kind is the ensure sentinel the error unwraps to.
	Kind error
}

// Error implements error.
func (e *Error) Error() string {
	s := e.Op
	if e.Bucket != "" {
		s += fmt.Sprintf(" %q", e.Bucket)
	}
	if e.Code != "" {
		s += fmt.Sprintf(": %s (HTTP %d): %s", e.Code, e.Status, e.Message)
	} else {
		s += ": " + e.Message
	}
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

// Unwrap returns the ensure sentinel (ensure.ErrUnauthorized, …).
func (e *Error) Unwrap() error { return e.Kind }

// LogValue renders the error for slog.
func (e *Error) LogValue() slog.Value {
	return slog.GroupValue(slog.String("op", e.Op), slog.String("bucket", e.Bucket), slog.String("code", e.Code),
		slog.Int("status", e.Status), slog.String("request_id", e.RequestID), slog.String("message", e.Message))
}

// IsCode reports whether err is an *Error with one of codes.
func IsCode(err error, codes ...string) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// kindOf maps an S3 error code (or, failing that, a status) to a sentinel.
func kindOf(code string, status int) error {
	switch code {
	case "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "ExpiredToken", "TokenRefreshRequired",
		"InvalidSecurity", "AuthorizationHeaderMalformed", "RequestTimeTooSkewed", "Unauthorized":
		return ensure.ErrUnauthorized
	case "AccessDenied", "AllAccessDisabled", "AccountProblem", "AccessForbidden":
		return ensure.ErrForbidden
	case "NoSuchBucket", "NoSuchKey", "NoSuchUpload", "NotFound":
		return ensure.ErrNotFound
	case "BucketAlreadyExists", "BucketNotEmpty", "OperationAborted", "InvalidBucketState":
		return ensure.ErrConflict
	case "TooManyBuckets", "QuotaExceeded", "StorageQuotaExceeded":
		return ensure.ErrQuota
	case "SlowDown", "TooManyRequests":
		return ensure.ErrRateLimited
	case "InvalidBucketName", "InvalidLocationConstraint", "IllegalLocationConstraintException", "MalformedPolicy",
		"MalformedXML", "InvalidArgument", "InvalidRequest", "KeyTooLongError":
		return ensure.ErrInvalidSpec
	case "NotImplemented", "XNotImplemented":
		return ensure.ErrPrecondition
	case "RequestTimeout":
		return ensure.ErrTimeout
	case "InternalError", "ServiceUnavailable", "ServerBusy":
		return ensure.ErrUnavailable
	}
	switch {
	case status == http.StatusUnauthorized:
		return ensure.ErrUnauthorized
	case status == http.StatusForbidden:
		return ensure.ErrForbidden
	case status == http.StatusNotFound:
		return ensure.ErrNotFound
	case status == http.StatusConflict:
		return ensure.ErrConflict
	case status == http.StatusTooManyRequests:
		return ensure.ErrRateLimited
	case status >= 500 || status == 0:
		return ensure.ErrUnavailable
	}
	return ensure.ErrPrecondition
}

// wrap turns a minio-go error into an *Error, scrubbing the provider's
// secrets from anything the vendor or the transport said. Context errors are
// returned as they are, wrapped with op.
func (p *Provider) wrap(op, bucket string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	scrub := func(s string) string { return secret.Scrub(s, p.secretKey) }
	resp := minio.ToErrorResponse(err)
	if resp.Code == "" && resp.StatusCode == 0 {
		// A transport failure or a client-side check.
		var e *Error
		if errors.As(err, &e) {
			return err
		}
		return &Error{Op: op, Bucket: bucket, Message: scrub(err.Error()), Kind: ensure.ErrUnavailable}
	}
	e := &Error{Op: op, Bucket: bucket, Code: resp.Code, Status: resp.StatusCode, Message: scrub(resp.Message),
		RequestID: resp.RequestID, Kind: kindOf(resp.Code, resp.StatusCode)}
	switch e.Kind {
	case ensure.ErrUnauthorized:
		e.Fix = "check the access key and secret key, and that they belong to " + p.endpoint.Host
	case ensure.ErrForbidden:
		e.Fix = "the key works but may not do this; give it read/write access to the bucket"
	}
	return e
}
