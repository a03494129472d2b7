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

// Rounds counts the round trips in rs, a request log taken while every
// request was held for latency (Knobs.SetLatency): a request arriving at
// least half a latency after the first of the current round could not have
// been sent with it, so it starts the next. Requests sent together land in
// one round however many they are; requests that wait on each other land
// in one round each. Tests use it to prove that reads go out in parallel.
func Rounds(rs []Request, latency time.Duration) int {
	n := 0
	var start time.Time
	for _, r := range rs {
		if n == 0 || r.At.Sub(start) >= latency/2 {
			n++
			start = r.At
		}
	}
	return n
}
