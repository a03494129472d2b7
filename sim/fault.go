package sim

import (
	"net/http"
	"strings"
	"time"
)

// FaultKind says how a request fails.
type FaultKind string

// The fault kinds.
const (
	// FailBeforeCommit answers with Fault.Status (500 when zero) and the
	// vendor's error envelope; the vendor handler does not run, so nothing
	// changes.
	FailBeforeCommit FaultKind = "fail-before-commit"
	// DropAfterCommit runs the vendor handler — the change is committed — and
	// then closes the connection without sending the response.
	DropAfterCommit FaultKind = "drop-after-commit"
	// RateLimit answers 429 with a Retry-After header (Fault.RetryAfter, one
	// second when zero) and the vendor's envelope; nothing changes.
	RateLimit FaultKind = "rate-limit"
	// SlowAfterCommit runs the vendor handler, then holds the response for
	// Fault.Delay (or until the client gives up), so a client whose timeout is
	// shorter sees a timeout for a request that took effect.
	SlowAfterCommit FaultKind = "slow-after-commit"
)

// FaultKinds lists every kind, for tests that build a matrix.
var FaultKinds = []FaultKind{FailBeforeCommit, DropAfterCommit, RateLimit, SlowAfterCommit}

// Fault is one injected failure. It matches requests by method and path and
// fires for the first Times matching requests.
type Fault struct {
	Kind FaultKind
	// Method matches the request method; empty matches any.
	Method string
	// Path matches the URL path exactly (a trailing slash on either side is
	// ignored: S3 clients send bucket operations as "/bucket/"), or as a
	// prefix when it ends in "*". Empty matches any path.
	Path string
	// Query, when set, must be a substring of the raw query.
	Query string
	// Times is how many matching requests fail; zero means once.
	Times int
	// Status is the status FailBeforeCommit answers with; 500 when zero.
	Status int
	// RetryAfter is the Retry-After a RateLimit fault sends; 1s when zero.
	RetryAfter time.Duration
	// Delay is how long SlowAfterCommit holds the response; 30s when zero.
	Delay time.Duration
}

func (f Fault) matches(r *http.Request) bool {
	return f.match(r.Method, r.URL.Path, r.URL.RawQuery)
}

func (f Fault) matchesLogged(r Request) bool { return f.match(r.Method, r.Path, r.Query) }

func (f Fault) match(method, path, query string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	if f.Query != "" && !strings.Contains(query, f.Query) {
		return false
	}
	switch {
	case f.Path == "":
		return true
	case strings.HasSuffix(f.Path, "*"):
		return strings.HasPrefix(path, strings.TrimSuffix(f.Path, "*"))
	default:
		return strings.TrimSuffix(path, "/") == strings.TrimSuffix(f.Path, "/")
	}
}
