package ensure

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Provider errors are typed and unwrap to one of these, so
// callers can branch with errors.Is without knowing the vendor.
var (
	// ErrInvalidSpec: the spec can never work as written (an illegal name, an
	// unknown server type). Fix the input; retrying won't help.
	ErrInvalidSpec = errors.New("invalid spec")
	// ErrNotFound: a resource the spec depends on does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a resource with the same identity exists and is not ours,
	// or differs in a way we may not change.
	ErrConflict = errors.New("conflict")
	// ErrUnauthorized: the credentials were refused.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the credentials work but lack a permission.
	ErrForbidden = errors.New("forbidden")
	// ErrQuota: an account limit was reached.
	ErrQuota = errors.New("quota exceeded")
	// ErrRateLimited: the vendor asked us to slow down and retries ran out.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the vendor or host could not be reached or answered
	// with a transient failure; a later run may succeed.
	ErrUnavailable = errors.New("unavailable")
	// ErrReplaceRequired: the resource differs in a field that cannot be
	// changed in place; assemble never replaces on its own.
	ErrReplaceRequired = errors.New("replacement required")
	// ErrTimeout: a wait ran past its deadline.
	ErrTimeout = errors.New("timed out")
	// ErrPrecondition: something outside the spec is not as required (a CLI
	// missing or signed out, a host below the builder floor).
	ErrPrecondition = errors.New("precondition failed")
)

// InvalidError is a spec field that can't work, with what to do about it.
// It unwraps to ErrInvalidSpec.
type InvalidError struct {
	// Field names the field, as a user writes it: "server.type".
	Field string
	// Value is the offending value, already safe to print (never a secret).
	Value string
	// Reason says what rule was broken.
	Reason string
	// Fix says what to do, e.g. "use one of: cx23, cx33".
	Fix string
}

// Error implements error.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("invalid ")
	b.WriteString(e.Field)
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Fix != "" {
		b.WriteString(" (")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns ErrInvalidSpec.
func (e *InvalidError) Unwrap() error { return ErrInvalidSpec }

// Invalid is shorthand for &InvalidError{...}.
func Invalid(field, value, reason, fix string) error {
	return &InvalidError{Field: field, Value: value, Reason: reason, Fix: fix}
}
