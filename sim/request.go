package sim

import (
	"net/http"
	"time"
)

// Request is one entry of a simulator's request log.
type Request struct {
	Method string
	Path   string
	// Query is the raw query string.
	Query string
	// Status is the status the client was sent; 0 when the response was
	// dropped.
	Status int
	// Fault is the fault injected into this request, if any.
	Fault FaultKind
	// At is when the request arrived.
	At time.Time
}

// Mutating reports whether the request's method may change state: anything
// but GET, HEAD and OPTIONS.
func (r Request) Mutating() bool { return IsMutating(r.Method) }

// IsMutating reports whether an HTTP method may change state.
func IsMutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// String renders the request as "METHOD /path?query -> status".
func (r Request) String() string {
	s := r.Method + " " + r.Path
	if r.Query != "" {
		s += "?" + r.Query
	}
	return s
}
