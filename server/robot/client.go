package robot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// Client talks to the Robot webservice: HTTP Basic auth with the webservice
// user, form-encoded POSTs, JSON answers. It is safe for concurrent use.
//
// A refused login is never retried: Robot blocks an address for 10 minutes
// after three failed logins, so after one 401 the Client answers every
// further call with the same error without sending anything.
type Client struct {
	cfg      config
	user     string
	password secret.Value

	mu         sync.Mutex
	authFailed error
}

// NewClient returns a client for the webservice user and its password.
// Options other than WithEndpoint, WithHTTPClient, WithLogger and WithRetry
// are ignored.
func NewClient(user string, password secret.Value, opts ...Option) *Client {
	return &Client{cfg: newConfig(opts), user: user, password: password}
}

func (c *Client) checkCredentials() error {
	if strings.TrimSpace(c.user) == "" {
		return ensure.Invalid("robot.user", "", "missing", "create a webservice user in Robot (Settings → Webservice and app settings) and pass its name")
	}
	if c.password.IsZero() {
		return ensure.Invalid("robot.password", "", "missing", "pass the webservice user's password")
	}
	return nil
}

// get, post and del send one request and decode a JSON answer into out
// (when not nil).
func (c *Client) get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}

func (c *Client) post(ctx context.Context, path string, form url.Values, out any) error {
	return c.do(ctx, http.MethodPost, path, form, out)
}

func (c *Client) del(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodDelete, path, nil, out)
}

func (c *Client) do(ctx context.Context, method, path string, form url.Values, out any) error {
	if err := c.checkCredentials(); err != nil {
		return err
	}
	c.mu.Lock()
	failed := c.authFailed
	c.mu.Unlock()
	if failed != nil {
		return failed
	}
	wait := c.cfg.retryBase
	for attempt := 0; ; attempt++ {
		retry, after, err := c.once(ctx, method, path, form, out)
		if err == nil || !retry || attempt >= c.cfg.retries {
			return err
		}
		if after <= 0 {
			after = wait
			wait = min(wait*2, 30*time.Second)
		}
		c.cfg.log.DebugContext(ctx, "robot: retrying", "method", method, "path", path, "in", after, "error", err)
		t := time.NewTimer(after)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up waiting to retry: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// once sends the request once. It says whether the failure may be retried,
// and after how long when the server said so.
func (c *Client) once(ctx context.Context, method, path string, form url.Values, out any) (bool, time.Duration, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.cfg.endpoint, "/")+path, body)
	if err != nil {
		return false, 0, fmt.Errorf("robot %s %s: %w", method, path, err)
	}
	req.SetBasicAuth(c.user, c.password.Reveal())
	req.Header.Set("Accept", "application/json")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	start := time.Now()
	resp, err := c.cfg.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, 0, fmt.Errorf("robot %s %s: %w", method, path, ctx.Err())
		}
		// Only reads are retried blindly: a POST whose answer was lost may
		// have taken effect, and the caller must look before trying again.
		terr := &TransportError{Method: method, Path: path, Err: scrubErr(err, c.password)}
		return method == http.MethodGet, 0, terr
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	c.cfg.log.DebugContext(ctx, "robot request", "method", method, "path", path, "status", resp.StatusCode, "elapsed", time.Since(start))
	if err != nil {
		return method == http.MethodGet, 0, &TransportError{Method: method, Path: path, Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil || len(bytes.TrimSpace(b)) == 0 {
			return false, 0, nil
		}
		if err := json.Unmarshal(b, out); err != nil {
			return false, 0, fmt.Errorf("robot %s %s: decode answer: %w", method, path, err)
		}
		return false, 0, nil
	}
	apiErr := c.decodeError(method, path, resp.StatusCode, b)
	switch {
	case apiErr.Unwrap() == ensure.ErrUnauthorized:
		c.mu.Lock()
		c.authFailed = apiErr
		c.mu.Unlock()
		return false, 0, apiErr
	case apiErr.Code == CodeRateLimitExceeded:
		// Robot's windows are an hour long; wait only when told the wait
		// is short.
		if ra, ok := retryAfter(resp.Header.Get("Retry-After")); ok && ra <= c.cfg.maxRetryWait {
			return true, ra, apiErr
		}
		return false, 0, apiErr
	case resp.StatusCode >= 500:
		return method == http.MethodGet, 0, apiErr
	}
	return false, 0, apiErr
}

func (c *Client) decodeError(method, path string, status int, b []byte) *Error {
	var env struct {
		Error struct {
			Status     int      `json:"status"`
			Code       string   `json:"code"`
			Message    string   `json:"message"`
			Missing    []string `json:"missing"`
			Invalid    []string `json:"invalid"`
			MaxRequest int      `json:"max_request"`
			Interval   int      `json:"interval"`
		} `json:"error"`
	}
	e := &Error{Method: method, Path: path, Status: status}
	if json.Unmarshal(b, &env) == nil && env.Error.Code != "" {
		x := env.Error
		e.Code, e.Message, e.Missing, e.Invalid, e.MaxRequest, e.Interval = x.Code, x.Message, x.Missing, x.Invalid, x.MaxRequest, x.Interval
	} else {
		e.Code = strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
		e.Message = strings.TrimSpace(string(b))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "…"
		}
	}
	if status == http.StatusUnauthorized && e.Code != CodeUnauthorized {
		e.Code = CodeUnauthorized
	}
	e.Message = secret.Scrub(e.Message, c.password)
	return e
}

func retryAfter(h string) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

type scrubbed struct {
	msg   string
	cause error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.cause }

// scrubErr keeps the password out of transport errors (a URL with userinfo
// would carry it).
func scrubErr(err error, pw secret.Value) error {
	msg := secret.Scrub(err.Error(), pw)
	if msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, cause: errors.Unwrap(err)}
}
