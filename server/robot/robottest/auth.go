package robottest

import (
	"crypto/subtle"
	"net"
	"net/http"
	"time"
)

type loginState struct {
	failures     int
	blockedUntil time.Time
}

// authorize checks HTTP Basic credentials. Three failures (by default) from
// one address block that address, correct credentials or not, until the
// block expires — as Robot does. It reports whether to go on.
func (r *Robot) authorize(w http.ResponseWriter, req *http.Request) bool {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	user, pass, ok := req.BasicAuth()
	good := ok &&
		subtle.ConstantTimeCompare([]byte(user), []byte(r.user)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(r.password)) == 1

	r.mu.Lock()
	now := r.now()
	ls := r.logins[host]
	if ls == nil {
		ls = &loginState{}
		r.logins[host] = ls
	}
	if now.Before(ls.blockedUntil) {
		r.mu.Unlock()
		writeErr(w, apiError{Status: http.StatusForbidden, Code: CodeBlocked,
			Message: "Too many failed login attempts; this IP address is blocked for a while"})
		return false
	}
	if good {
		ls.failures = 0
		r.mu.Unlock()
		return true
	}
	ls.failures++
	if r.blockAfter > 0 && ls.failures >= r.blockAfter {
		ls.blockedUntil = now.Add(r.blockFor)
		ls.failures = 0
	}
	r.mu.Unlock()
	w.Header().Set("WWW-Authenticate", `Basic realm="Webservice"`)
	writeErr(w, apiError{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "Unauthorized"})
	return false
}

// Blocked reports whether any client address is blocked after failed
// logins.
func (r *Robot) Blocked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for _, ls := range r.logins {
		if now.Before(ls.blockedUntil) {
			return true
		}
	}
	return false
}

// Unblock lifts every failed-login block and forgets the failures.
func (r *Robot) Unblock() {
	r.mu.Lock()
	r.logins = map[string]*loginState{}
	r.mu.Unlock()
}
