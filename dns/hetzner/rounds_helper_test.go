package hetzner_test

import (
	"net/http"
	"sync"
	"time"
)

// rounds counts rounds of requests while it is on: a request that arrives
// while none is in flight starts a new round. Each request is held for a
// while before it is served, so requests sent together overlap even on a
// busy machine, and requests sent one after the other never do.
type rounds struct {
	mu       sync.Mutex
	hold     time.Duration
	inflight int
	n        int
}

// wrap is the middleware to install in the simulator.
func (r *rounds) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		hold := r.hold
		if hold > 0 {
			if r.inflight == 0 {
				r.n++
			}
			r.inflight++
		}
		r.mu.Unlock()
		if hold > 0 {
			select {
			case <-time.After(hold):
			case <-req.Context().Done():
			}
		}
		h.ServeHTTP(w, req)
		if hold > 0 {
			r.mu.Lock()
			r.inflight--
			r.mu.Unlock()
		}
	})
}

// begin starts counting, holding each request for hold.
func (r *rounds) begin(hold time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold, r.n = hold, 0
}

// end stops counting and returns the rounds seen since begin.
func (r *rounds) end() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold = 0
	return r.n
}
