package hetzner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/hcloudx"
	"github.com/assemblekit/assemble/secret"
)

// Error is an error answer of the Hetzner Cloud API. It unwraps to the
// ensure sentinel its code means.
type Error struct {
	// Op is what was being done, e.g. `create rrset "shop/A"`.
	Op string
	// Code is Hetzner's error code ("uniqueness_error").
	Code string
	// Message is Hetzner's message, with the token scrubbed out.
	Message string
	// Status is the HTTP status, when known.
	Status int
}

// Error implements error.
func (e *Error) Error() string {
	s := fmt.Sprintf("%s: hetzner answered %d %s: %s", e.Op, e.Status, e.Code, e.Message)
	switch e.Code {
	case "unauthorized":
		s += " (check hetzner.token: create an API token (read & write) in the Hetzner Console project that holds the zone)"
	case "token_readonly", "forbidden":
		s += " (hetzner.token needs read & write: create such a token in the Hetzner Console project that holds the zone)"
	}
	return s
}

// Unwrap returns the sentinel for the code.
func (e *Error) Unwrap() error { return hcloudx.Sentinel(e.Code) }

// TransportError is a request that got no answer (refused, reset, lost,
// timed out): it may or may not have taken effect. It unwraps to
// ensure.ErrUnavailable.
type TransportError struct {
	Op  string
	Err error
}

// Error implements error.
func (e *TransportError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns ensure.ErrUnavailable and the cause.
func (e *TransportError) Unwrap() []error { return []error{ensure.ErrUnavailable, e.Err} }

// wrap turns what hcloud-go returned into *Error or *TransportError,
// scrubbing the token from any text.
func (p *Provider) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var he hcloud.Error
	if errors.As(err, &he) {
		out := &Error{Op: op, Code: string(he.Code), Message: secret.Scrub(he.Message, p.token)}
		if r := he.Response(); r != nil && r.Response != nil {
			out.Status = r.StatusCode
		}
		return out
	}
	var ae hcloud.ActionError
	if errors.As(err, &ae) {
		return &Error{Op: op, Code: ae.Code, Message: secret.Scrub(ae.Message, p.token)}
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return &TransportError{Op: op, Err: errors.New(secret.Scrub(err.Error(), p.token))}
}

// lookAgain reports whether a failed change may have taken effect, or may
// work once the world has been looked at again: no answer, 5xx, 409, 423,
// 429.
func lookAgain(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return true
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case "uniqueness_error", "conflict", "locked", "rate_limit_exceeded", "timeout", "server_error", "unavailable", "bad_gateway":
			return true
		}
		return e.Status >= 500 || e.Status == http.StatusTooManyRequests
	}
	return false
}

// ZoneError says the record's zone can't be used: not in the project (or not
// visible to the token), or not a primary zone.
type ZoneError struct {
	// Name is the record name whose zone was looked for.
	Name string
	// Zone is the zone found, if any, and its Mode.
	Zone, Mode string
	// Tried lists the zone names looked up.
	Tried []string
	// Have lists (some of) the zones the project has.
	Have []string
}

// Error implements error.
func (e *ZoneError) Error() string {
	if e.Zone != "" {
		return fmt.Sprintf("find zone of %q: zone %s is in %s mode; its records come from its primary nameservers, not the API (use a primary zone)", e.Name, e.Zone, e.Mode)
	}
	have := "none"
	if len(e.Have) > 0 {
		have = strings.Join(e.Have, ", ")
	}
	return fmt.Sprintf("find zone of %q: no zone named %s in the project (zones there: %s; add the zone in Hetzner DNS, or use a token of the project that has it)", e.Name, strings.Join(e.Tried, " or "), have)
}

// Unwrap returns ensure.ErrNotFound and ensure.ErrInvalidSpec for a missing
// zone, ensure.ErrPrecondition for a secondary one.
func (e *ZoneError) Unwrap() []error {
	if e.Zone != "" {
		return []error{ensure.ErrPrecondition}
	}
	return []error{ensure.ErrNotFound, ensure.ErrInvalidSpec}
}

// ConflictError is an RRset in the way that isn't ours. It unwraps to
// ensure.ErrConflict.
type ConflictError struct {
	Name, Type string
	// Owner is the recipe that wanted the name.
	Owner string
	// Records describes what is in the way.
	Records []string
	// Reason and Fix say why it is in the way and what to do.
	Reason, Fix string
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %s %s: %s (%s)", e.Name, e.Type, strings.Join(e.Records, ", "), e.Reason, e.Fix)
}

// Unwrap returns ensure.ErrConflict.
func (e *ConflictError) Unwrap() error { return ensure.ErrConflict }
