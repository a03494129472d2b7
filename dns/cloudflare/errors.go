package cloudflare

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// Cloudflare error codes the provider acts on.
const (
	CodeRecordNotFound  = 81044 // the record does not exist
	CodeCNAMEClash      = 81053 // an A, AAAA or CNAME record with that host already exists
	CodeHostHasCNAME    = 81054 // a CNAME record with that host already exists
	CodeRecordExists    = 81057 // the record already exists
	CodeIdenticalRecord = 81058 // an identical record already exists
	CodeNoRoute         = 7003  // unknown object identifier
	CodeBadToken        = 9109  // the token was refused
	CodeInvalidToken    = 1000  // the token is not valid
	CodeRateLimited     = 971   // too many requests
)

// APIError is an error answer of the Cloudflare API. It unwraps to the
// ensure sentinel its status and codes mean.
type APIError struct {
	// Op is what was being done, e.g. `create dns record "shop.example.com"`.
	Op string
	// Status is the HTTP status.
	Status int
	// Codes and Messages are Cloudflare's error codes and messages.
	Codes    []int
	Messages []string
	// RetryAfter is the Retry-After header, if any, in seconds.
	RetryAfter string
}

// Error implements error.
func (e *APIError) Error() string {
	var parts []string
	for i, c := range e.Codes {
		m := ""
		if i < len(e.Messages) {
			m = e.Messages[i]
		}
		parts = append(parts, fmt.Sprintf("%d %s", c, m))
	}
	if len(parts) == 0 {
		parts = append(parts, http.StatusText(e.Status))
	}
	s := fmt.Sprintf("%s: cloudflare answered %d: %s", e.Op, e.Status, strings.Join(parts, "; "))
	switch e.Unwrap() {
	case ensure.ErrUnauthorized:
		s += " (check cloudflare.token: create an API token with Zone:Read and DNS:Edit on the zone)"
	case ensure.ErrForbidden:
		s += " (give cloudflare.token Zone:Read and DNS:Edit on the zone)"
	}
	return s
}

// Has reports whether Cloudflare sent any of codes.
func (e *APIError) Has(codes ...int) bool {
	for _, c := range e.Codes {
		for _, w := range codes {
			if c == w {
				return true
			}
		}
	}
	return false
}

// Unwrap returns the sentinel for the status and codes.
func (e *APIError) Unwrap() error {
	switch {
	case e.Has(CodeIdenticalRecord, CodeRecordExists, CodeCNAMEClash, CodeHostHasCNAME):
		return ensure.ErrConflict
	case e.Has(CodeRecordNotFound):
		return ensure.ErrNotFound
	case e.Has(CodeBadToken, CodeInvalidToken) || e.Status == http.StatusUnauthorized:
		return ensure.ErrUnauthorized
	case e.Status == http.StatusForbidden:
		return ensure.ErrForbidden
	case e.Status == http.StatusTooManyRequests || e.Has(CodeRateLimited):
		return ensure.ErrRateLimited
	case e.Status == http.StatusNotFound || e.Has(CodeNoRoute):
		return ensure.ErrNotFound
	case e.Status >= 500 || e.Status == http.StatusRequestTimeout:
		return ensure.ErrUnavailable
	case e.Status >= 400:
		return ensure.ErrInvalidSpec
	}
	return nil
}

// wrap turns what the SDK returned into a typed error, scrubbing the token
// from any text that came back.
func (p *Provider) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	// The SDK's error type lives in an internal package; its exported
	// DumpResponse method gives the answer without importing the whole
	// client (which would pull in every Cloudflare service).
	var d interface{ DumpResponse(body bool) []byte }
	if errors.As(err, &d) {
		if resp, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(d.DumpResponse(true))), nil); rerr == nil {
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			var env struct {
				Errors []struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"errors"`
			}
			_ = json.Unmarshal(body, &env)
			out := &APIError{Op: op, Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
			for _, e := range env.Errors {
				out.Codes = append(out.Codes, e.Code)
				out.Messages = append(out.Messages, secret.Scrub(e.Message, p.token))
			}
			return out
		}
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	// A DeadlineExceeded may be the per-request timeout (the request may
	// have taken effect): transient. Callers check their own context first.
	cause := errors.New(secret.Scrub(err.Error(), p.token))
	if errors.Is(err, context.DeadlineExceeded) {
		cause = fmt.Errorf("%w: %s", context.DeadlineExceeded, secret.Scrub(err.Error(), p.token))
	}
	return &TransportError{Op: op, Err: cause}
}

// TransportError is a request that got no answer (connection refused or
// reset, a response lost, a timeout). It unwraps to ensure.ErrUnavailable.
type TransportError struct {
	Op  string
	Err error
}

// Error implements error.
func (e *TransportError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns ensure.ErrUnavailable and the cause.
func (e *TransportError) Unwrap() []error { return []error{ensure.ErrUnavailable, e.Err} }

// ZoneError says why the record's zone can't be used: not in the account
// (or not visible to the token), or not active.
type ZoneError struct {
	// Name is the record name whose zone was looked for.
	Name string
	// Zone is the zone found, if any.
	Zone string
	// Status is the zone's status when it was found but isn't active.
	Status string
	// Tried lists the zone names looked up.
	Tried []string
}

// Error implements error.
func (e *ZoneError) Error() string {
	if e.Zone == "" {
		return fmt.Sprintf("find zone of %q: no zone named %s in the account (add the zone to Cloudflare, or give the token Zone:Read and DNS:Edit on it)", e.Name, strings.Join(e.Tried, " or "))
	}
	return fmt.Sprintf("find zone of %q: zone %s is %s, not active (finish its setup: point the domain's nameservers at Cloudflare)", e.Name, e.Zone, e.Status)
}

// Unwrap returns ensure.ErrNotFound and ensure.ErrInvalidSpec for a missing
// zone, ensure.ErrPrecondition for an inactive one.
func (e *ZoneError) Unwrap() []error {
	if e.Zone == "" {
		return []error{ensure.ErrNotFound, ensure.ErrInvalidSpec}
	}
	return []error{ensure.ErrPrecondition}
}

// isTransient reports whether a failed create may have committed or may
// succeed later: no answer, a 5xx, a timeout, a 429.
func isTransient(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500 || ae.Status == http.StatusTooManyRequests || ae.Status == http.StatusRequestTimeout || ae.Status == http.StatusConflict
	}
	var te *TransportError
	return errors.As(err, &te)
}
