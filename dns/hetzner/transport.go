package hetzner

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

// waitOut429 sends a request again after a 429, once the wait Hetzner asks
// for has passed: Retry-After when given, else the time until one request
// is back in the budget (RateLimit-Reset spread over the missing requests).
// A 429 commits nothing, so this is safe for every method.
type waitOut429 struct {
	next     http.RoundTripper
	maxWait  time.Duration
	maxTries int
	logger   *slog.Logger
}

// RoundTrip implements http.RoundTripper.
func (t *waitOut429) RoundTrip(req *http.Request) (*http.Response, error) {
	for try := 0; ; try++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || try >= t.maxTries || (req.Body != nil && req.GetBody == nil) {
			return resp, err
		}
		wait := rateWait(resp.Header, time.Now(), try)
		if wait > t.maxWait {
			return resp, nil // let the caller see the 429
		}
		resp.Body.Close()
		t.logger.DebugContext(req.Context(), "hetzner rate limit: waiting", "method", req.Method, "path", req.URL.Path, "wait", wait)
		ensure.Report(req.Context(), "hetzner rate limit reached: waiting %s before %s %s", wait.Round(time.Millisecond), req.Method, req.URL.Path)
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

func rateWait(h http.Header, now time.Time, try int) time.Duration {
	if n, err := strconv.Atoi(h.Get("Retry-After")); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
		d := time.Unix(reset, 0).Sub(now)
		limit, _ := strconv.Atoi(h.Get("RateLimit-Limit"))
		remaining, _ := strconv.Atoi(h.Get("RateLimit-Remaining"))
		if missing := limit - remaining; missing > 0 {
			d /= time.Duration(missing)
		}
		return max(d, 100*time.Millisecond)
	}
	return time.Second << min(try, 5)
}
