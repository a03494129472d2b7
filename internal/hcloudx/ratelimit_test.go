package hcloudx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

func TestDelay(t *testing.T) {
	now := time.Unix(1000, 0)
	h := http.Header{}
	h.Set("Retry-After", "2")
	if d := Delay(h, now, 0); d != 2*time.Second {
		t.Fatalf("Retry-After: %s", d)
	}
	h = http.Header{}
	h.Set("RateLimit-Reset", "1010")
	h.Set("RateLimit-Limit", "3600")
	h.Set("RateLimit-Remaining", "3590")
	if d := Delay(h, now, 0); d != time.Second {
		t.Fatalf("reset spread over 10 missing requests: %s", d)
	}
	if d := Delay(h, now, 1); d != 2*time.Second {
		t.Fatalf("second try doubles: %s", d)
	}
	if d := Delay(http.Header{}, now, 0); d != time.Second {
		t.Fatalf("no headers: %s", d)
	}
}

func TestTransportWaitsOut429AndResendsBody(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = io.WriteString(w, "got "+string(b))
	}))
	defer srv.Close()
	c := &http.Client{Transport: &RateLimitTransport{MaxTries: 3, MaxWait: time.Second}}
	resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "got body" || calls.Load() != 2 {
		t.Fatalf("resp %q after %d calls", b, calls.Load())
	}
}

func TestTransportGivesUpOnLongWaits(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(3600))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := &http.Client{Transport: &RateLimitTransport{MaxTries: 3, MaxWait: time.Second}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || calls.Load() != 1 {
		t.Fatalf("status %d after %d calls", resp.StatusCode, calls.Load())
	}
}

func TestSentinel(t *testing.T) {
	for code, want := range map[string]error{
		"unauthorized": ensure.ErrUnauthorized, "uniqueness_error": ensure.ErrConflict,
		"invalid_input": ensure.ErrInvalidSpec, "rate_limit_exceeded": ensure.ErrRateLimited,
		"server_error": ensure.ErrUnavailable, "incorrect_zone_mode": ensure.ErrPrecondition,
	} {
		if got := Sentinel(code); got != want {
			t.Errorf("Sentinel(%q) = %v, want %v", code, got, want)
		}
	}
}
