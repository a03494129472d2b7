package robottest

import (
	"net/http"
	"strings"
	"time"
)

// rateLimit is one per-endpoint limit: at most limit requests matching
// method and path within per.
type rateLimit struct {
	method, path string
	limit        int
	per          time.Duration
	hits         []time.Time
}

func (l *rateLimit) matches(method, path string) bool {
	if l.method != "" && l.method != method {
		return false
	}
	if p, ok := strings.CutSuffix(l.path, "*"); ok {
		return strings.HasPrefix(path, p)
	}
	return path == l.path
}

// defaultLimits are Robot's documented limits for the endpoints simulated.
func defaultLimits() []*rateLimit {
	return []*rateLimit{
		{method: "GET", path: "/server", limit: 200, per: time.Hour},
		{method: "GET", path: "/server/*", limit: 200, per: time.Hour},
		{method: "POST", path: "/server/*", limit: 200, per: time.Hour},
		{method: "", path: "/key*", limit: 500, per: time.Hour},
		{method: "GET", path: "/firewall/*", limit: 500, per: time.Hour},
		{method: "POST", path: "/firewall/*", limit: 200, per: time.Hour},
		{method: "DELETE", path: "/firewall/*", limit: 200, per: time.Hour},
		{method: "GET", path: "/order/*", limit: 500, per: time.Hour},
		{method: "POST", path: "/order/server/transaction", limit: 20, per: 24 * time.Hour},
	}
}

// SetRateLimit limits requests matching method (empty: any) and path (exact,
// or a prefix ending in "*") to limit per interval, replacing a limit with
// the same method and path. Requests over it get 403 RATE_LIMIT_EXCEEDED
// with max_request and interval, as Robot answers.
func (r *Robot) SetRateLimit(method, path string, limit int, per time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.limits {
		if l.method == method && l.path == path {
			l.limit, l.per, l.hits = limit, per, nil
			return
		}
	}
	// New limits go first so they win over the broader defaults.
	r.limits = append([]*rateLimit{{method: method, path: path, limit: limit, per: per}}, r.limits...)
}

// ResetRateLimits forgets the requests counted so far.
func (r *Robot) ResetRateLimits() {
	r.mu.Lock()
	for _, l := range r.limits {
		l.hits = nil
	}
	r.mu.Unlock()
}

// rateLimited counts req against the first matching limit and reports
// whether it is over.
func (r *Robot) rateLimited(w http.ResponseWriter, req *http.Request) bool {
	r.mu.Lock()
	now := r.now()
	var over *rateLimit
	for _, l := range r.limits {
		if !l.matches(req.Method, req.URL.Path) {
			continue
		}
		keep := l.hits[:0]
		for _, h := range l.hits {
			if now.Sub(h) < l.per {
				keep = append(keep, h)
			}
		}
		l.hits = keep
		if len(l.hits) >= l.limit {
			over = l
		} else {
			l.hits = append(l.hits, now)
		}
		break
	}
	r.mu.Unlock()
	if over == nil {
		return false
	}
	writeErr(w, apiError{Status: http.StatusForbidden, Code: CodeRateLimitExceeded,
		Message:    "The maximum allowed number of requests has been exceeded",
		MaxRequest: over.limit, Interval: int(over.per / time.Second)})
	return true
}
