package robot

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// Robot error codes this package acts on.
const (
	CodeUnauthorized      = "UNAUTHORIZED"
	CodeBlocked           = "BLOCKED"
	CodeRateLimitExceeded = "RATE_LIMIT_EXCEEDED"
	CodeNotFound          = "NOT_FOUND"
	CodeServerNotFound    = "SERVER_NOT_FOUND"
	CodeKeyExists         = "KEY_ALREADY_EXISTS"
	CodeFirewallInProcess = "FIREWALL_IN_PROCESS"
	CodeInvalidInput      = "INVALID_INPUT"
	CodeProductNotFound   = "PRODUCT_NOT_FOUND"
	CodeNotAllowed        = "NOT_ALLOWED"
)

// Error is an error answer of the Robot webservice: its
// {"error":{"status","code","message"}} envelope, with the request it
// answered. It unwraps to the matching ensure sentinel.
type Error struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
	// Missing and Invalid name the form fields Robot refused.
	Missing, Invalid []string
	// MaxRequest and Interval (seconds) describe the limit that a
	// RATE_LIMIT_EXCEEDED answer hit.
	MaxRequest, Interval int
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "robot %s %s: %d %s", e.Method, e.Path, e.Status, e.Code)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.Missing) > 0 {
		b.WriteString(" (missing: " + strings.Join(e.Missing, ", ") + ")")
	}
	if len(e.Invalid) > 0 {
		b.WriteString(" (invalid: " + strings.Join(e.Invalid, ", ") + ")")
	}
	if e.Code == CodeRateLimitExceeded && e.MaxRequest > 0 {
		fmt.Fprintf(&b, " (limit %d requests per %ds)", e.MaxRequest, e.Interval)
	}
	switch e.Code {
	case CodeUnauthorized:
		b.WriteString("; check the webservice user and password (Robot: Settings → Webservice and app settings); three failed logins block this IP for 10 minutes")
	case CodeBlocked:
		b.WriteString("; this IP is blocked after failed logins: wait 10 minutes, then retry with the right credentials")
	}
	return b.String()
}

// Unwrap returns the ensure sentinel for the code and status.
func (e *Error) Unwrap() error {
	switch {
	case e.Code == CodeUnauthorized || e.Code == CodeBlocked || e.Status == http.StatusUnauthorized:
		return ensure.ErrUnauthorized
	case e.Code == CodeRateLimitExceeded || e.Status == http.StatusTooManyRequests:
		return ensure.ErrRateLimited
	case e.Code == CodeNotFound || strings.HasSuffix(e.Code, "_NOT_FOUND") || e.Status == http.StatusNotFound:
		return ensure.ErrNotFound
	case e.Status == http.StatusConflict:
		return ensure.ErrConflict
	case e.Status == http.StatusBadRequest:
		return ensure.ErrInvalidSpec
	case e.Status == http.StatusForbidden:
		return ensure.ErrForbidden
	default:
		return ensure.ErrUnavailable
	}
}

// LogValue makes the error log as its fields.
func (e *Error) LogValue() slog.Value {
	return slog.GroupValue(slog.String("method", e.Method), slog.String("path", e.Path),
		slog.Int("status", e.Status), slog.String("code", e.Code), slog.String("message", e.Message))
}

// IsCode reports whether err is (or wraps) a Robot *Error with one of codes.
func IsCode(err error, codes ...string) bool {
	var e *Error
	return errors.As(err, &e) && slices.Contains(codes, e.Code)
}

// TransportError is a request that got no answer (connection refused, reset,
// timeout, a response cut off). It unwraps to ensure.ErrUnavailable and to
// the cause. For a POST or DELETE the change may or may not have been made.
type TransportError struct {
	Method, Path string
	Err          error
}

// Error implements error.
func (e *TransportError) Error() string {
	return fmt.Sprintf("robot %s %s: no answer: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns ensure.ErrUnavailable and the cause.
func (e *TransportError) Unwrap() []error { return []error{ensure.ErrUnavailable, e.Err} }

// HostKeyError is a host key that was not accepted: it differs from the
// pinned key or the order's fingerprints, or the callback refused it. It
// unwraps to ensure.ErrPrecondition.
type HostKeyError struct {
	Addr string
	// Got is the SHA256 fingerprint of the key the server presented.
	Got string
	// Want says what was expected (a fingerprint, or the order's MD5
	// fingerprints), empty when a callback refused.
	Want   string
	Reason error
}

// Error implements error.
func (e *HostKeyError) Error() string {
	s := fmt.Sprintf("host key %s of %s not accepted", e.Got, e.Addr)
	if e.Want != "" {
		s += " (want " + e.Want + ")"
	}
	if e.Reason != nil {
		s += ": " + e.Reason.Error()
	}
	return s
}

// Unwrap returns ensure.ErrPrecondition.
func (e *HostKeyError) Unwrap() error { return ensure.ErrPrecondition }
