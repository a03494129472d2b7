package hetzner

import (
	"context"
	"errors"
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
		if s := h.Get("RateLimit-Reset"); s != "" {
			if ts, err := strconv.ParseInt(s, 10, 64); err == nil {
				d = time.Unix(ts, 0).Sub(t.now())
			}
		}
	}
	if d <= 0 {
		d = time.Second << min(try, 5)
	}
	return min(d, t.maxWait)
}

// retry runs f until it succeeds, returns a permanent error, or tries run
// out; between tries it waits with exponential backoff. f says whether its
// error is worth another try.
func retry(ctx context.Context, tries int, base time.Duration, f func() (again bool, err error)) error {
	wait := base
	for i := 0; ; i++ {
		again, err := f()
		if err == nil || !again || i+1 >= tries {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 30*time.Second)
	}
}
