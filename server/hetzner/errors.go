package hetzner

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/hcloudx"
)

// Error is an error the Hetzner Cloud API answered with. It unwraps to the
// matching ensure sentinel (ensure.ErrUnauthorized for "unauthorized", …).
type Error struct {
	// Code is Hetzner's error code ("uniqueness_error").
	Code string
	// Message is Hetzner's message, with known secrets removed.
	Message string
	// Status is the HTTP status, when known.
	Status int
}

// Error renders the code and message, and for a refused token the field
// and the fix.
func (e *Error) Error() string {
	s := fmt.Sprintf("hetzner %s: %s", e.Code, e.Message)
	switch e.Code {
	case "unauthorized":
		s += " (check hetzner.token: create an API token with read & write access in the Hetzner Cloud console, Security → API tokens)"
	case "token_readonly":
		s += " (hetzner.token is read-only: create one with read & write access in the Hetzner Cloud console, Security → API tokens)"
	}
	return s
}

// Unwrap returns the ensure sentinel for the code.
func (e *Error) Unwrap() error { return hcloudx.Sentinel(e.Code) }

// ReplaceRequiredError says an existing server differs from the spec in a
// way that can't be changed in place. It unwraps to ensure.ErrReplaceRequired.
type ReplaceRequiredError struct {
	Name string
	// Diffs are "type: cx23 → cx33" and the like.
	Diffs []string
}

// Error lists what differs.
func (e *ReplaceRequiredError) Error() string {
	return fmt.Sprintf("server %q exists with %s; that can't be changed in place (destroy it first, or change the spec back)", e.Name, strings.Join(e.Diffs, ", "))
}

// Unwrap returns ensure.ErrReplaceRequired.
func (e *ReplaceRequiredError) Unwrap() error { return ensure.ErrReplaceRequired }

// ConflictError says a resource we would create or change exists and is
// not the recipe's. It unwraps to ensure.ErrConflict.
type ConflictError struct {
	Kind, Name string
	Reason     string
}

// Error names the resource and why it is in the way.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q %s", e.Kind, e.Name, e.Reason)
}

// Unwrap returns ensure.ErrConflict.
func (e *ConflictError) Unwrap() error { return ensure.ErrConflict }

// convert turns hcloud errors into *Error; others pass through.
func (p *Provider) convert(err error) error {
	if err == nil {
		return nil
	}
	var he hcloud.Error
	if errors.As(err, &he) {
		e := &Error{Code: string(he.Code), Message: p.scrub(he.Message)}
		if r := he.Response(); r != nil && r.Response != nil {
			e.Status = r.StatusCode
		}
		return e
	}
	var ae hcloud.ActionError
	if errors.As(err, &ae) {
		return &Error{Code: ae.Code, Message: p.scrub(ae.Message)}
	}
	if msg := p.scrub(err.Error()); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}

// isCode reports whether err is an *Error with one of the codes.
func isCode(err error, codes ...string) bool {
	var e *Error
	if errors.As(err, &e) {
		for _, c := range codes {
			if e.Code == c {
				return true
			}
		}
	}
	return false
}
