package hetzner

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

// rateLimitTransport waits out 429 answers and sends the request again. A
// 429 means nothing was committed, so this is safe for creates too. The wait
// is Retry-After when given, else until RateLimit-Reset, bounded by maxWait;
// at most maxTries 429s are waited out per request.
type rateLimitTransport struct {
	base     http.RoundTripper
	maxTries int
	maxWait  time.Duration
	now      func() time.Time
	log      func(msg string, args ...any)
}

// RoundTrip sends req, waiting out 429s.
func (t *rateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for try := 0; ; try++ {
		resp, err := t.base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || try >= t.maxTries {
			return resp, err
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, nil // can't send the body again
		}
		wait := t.delay(resp.Header, try)
		t.log("hetzner rate limit hit; waiting", "method", req.Method, "path", req.URL.Path, "wait", wait)
		ensure.Report(req.Context(), "hetzner rate limit reached; waiting %s before %s %s", wait.Round(time.Millisecond), req.Method, req.URL.Path)
		resp.Body.Close()
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

func (t *rateLimitTransport) delay(h http.Header, try int) time.Duration {
	var d time.Duration
	if s := h.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			d = time.Duration(n) * time.Second
		}
	}
	if d == 0 {
		// RateLimit-Reset is when the whole budget is back; the budget
		// refills evenly, so one request is back after (reset-now) divided
		// by the requests missing.
		reset, rerr := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64)
		limit, lerr := strconv.Atoi(h.Get("RateLimit-Limit"))
		remaining, _ := strconv.Atoi(h.Get("RateLimit-Remaining"))
		if rerr == nil {
			full := time.Unix(reset, 0).Sub(t.now())
			d = full
			if lerr == nil && limit > remaining {
				d = full / time.Duration(limit-remaining)
			}
			d = max(d, 50*time.Millisecond) << min(try, 5)
		}
	}
	if d <= 0 {
		d = time.Second << min(try, 5)
	}
	return min(d, t.maxWait)
}
