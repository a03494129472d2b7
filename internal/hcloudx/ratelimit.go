// Package hcloudx holds what the Hetzner Cloud providers (server/hetzner and
// dns/hetzner) share on top of hcloud-go: waiting out the API's rate limit.
package hcloudx

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

// RateLimitTransport waits out 429 answers and sends the request again. A
// 429 commits nothing, so this is safe for creates too (hcloud-go itself
// retries them without looking at RateLimit-Reset). The wait is Retry-After
// when given, else the time until one request is back in the budget
// (RateLimit-Reset spread over the missing requests), doubling per try. A
// wait longer than MaxWait, or more than MaxTries 429s, and the 429 goes to
// the caller.
type RateLimitTransport struct {
	Base     http.RoundTripper
	MaxTries int
	MaxWait  time.Duration
	// Now is the clock RateLimit-Reset is read against; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// RoundTrip implements http.RoundTripper.
func (t *RateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	now := t.Now
	if now == nil {
		now = time.Now
	}
	for try := 0; ; try++ {
		resp, err := base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || try >= t.MaxTries || (req.Body != nil && req.GetBody == nil) {
			return resp, err
		}
		wait := Delay(resp.Header, now(), try)
		if t.MaxWait > 0 && wait > t.MaxWait {
			return resp, nil // longer than the caller will wait: let it see the 429
		}
		resp.Body.Close()
		if t.Logger != nil {
			t.Logger.DebugContext(req.Context(), "hetzner rate limit: waiting", "method", req.Method, "path", req.URL.Path, "wait", wait)
		}
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
				return nil, fmt.Errorf("resend after rate limit: %w", err)
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

// Delay is how long to wait after the try-th 429 with headers h.
func Delay(h http.Header, now time.Time, try int) time.Duration {
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
		return max(d, 50*time.Millisecond) << min(try, 5)
	}
	return time.Second << min(try, 5)
}
