package registry

import (
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// MismatchError is an image on one registry with the login configured for
// another — typically an image on ghcr.io with registry.server left unset,
// so Kamal logs in to Docker Hub and the push fails. It unwraps to
// ensure.ErrInvalidSpec.
type MismatchError struct {
	// Image is the image as given.
	Image string
	// ImageRegistry is the registry the image names.
	ImageRegistry string
	// Server is the configured registry.
	Server string
	// ServerDefaulted is true when registry.server was empty and Server is
	// Kamal's default, Docker Hub.
	ServerDefaulted bool
}

// Error implements error.
func (e *MismatchError) Error() string {
	server := "registry.server is " + e.Server
	if e.ServerDefaulted {
		server = "registry.server is unset, so Kamal logs in to Docker Hub (" + e.Server + ")"
	}
	rest := e.Image
	if i := strings.Index(rest, "/"); i >= 0 {
		rest = rest[i+1:]
	}
	return fmt.Sprintf("image %q is on %s but %s (set registry.server: %s and image: %s)",
		e.Image, e.ImageRegistry, server, e.ImageRegistry, rest)
}

// Unwrap returns ensure.ErrInvalidSpec.
func (e *MismatchError) Unwrap() error { return ensure.ErrInvalidSpec }

// CheckError is a registry check that failed: the registry refused the
// credentials or the push, or could not be reached. It unwraps to an ensure
// sentinel (Kind) and, for network failures, to the network error.
type CheckError struct {
	// Server and Repository are what was checked ("ghcr.io", "me/shop").
	Server     string
	Repository string
	// Username is the user the check ran as.
	Username string
	// Status is the HTTP status the registry answered; 0 when it wasn't
	// reached.
	Status int
	// Code is the registry's error code (UNAUTHORIZED, DENIED, NAME_UNKNOWN,
	// TOOMANYREQUESTS…), when it sent one.
	Code string
	// Message is the registry's message or the network error, with every
	// known secret removed.
	Message string
	// Reason says what the failure means.
	Reason string
	// Fix says what to do.
	Fix string
	// Kind is the ensure sentinel: ErrUnauthorized, ErrForbidden,
	// ErrInvalidSpec, ErrNotFound, ErrRateLimited or ErrUnavailable.
	Kind error

	cause     error
	retryable bool
}

// Error implements error.
func (e *CheckError) Error() string {
	var b strings.Builder
	b.WriteString(e.Reason)
	var detail []string
	if e.Status != 0 {
		detail = append(detail, fmt.Sprintf("HTTP %d", e.Status))
	}
	if e.Code != "" {
		detail = append(detail, e.Code)
	}
	d := strings.Join(detail, " ")
	if e.Message != "" {
		if d != "" {
			d += ": "
		}
		d += e.Message
	}
	if d != "" {
		b.WriteString(" (")
		b.WriteString(d)
		b.WriteString(")")
	}
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Unwrap returns the sentinel and, for network failures, the network error.
func (e *CheckError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Kind, e.cause}
	}
	return []error{e.Kind}
}

// Temporary reports whether a later attempt may succeed.
func (e *CheckError) Temporary() bool { return e.retryable }
