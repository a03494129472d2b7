package hcloudx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/hcloudx"
)

// Delay reads a 429's headers: Retry-After when the API sends it, else
// Hetzner's RateLimit-Reset spread over the requests missing from the
// budget, doubling with each try; one second, doubling, when neither is
// there.
func ExampleDelay() {
	now := time.Unix(1_700_000_000, 0)

	retry := http.Header{}
	retry.Set("Retry-After", "3")
	fmt.Println("Retry-After 3:", hcloudx.Delay(retry, now, 0))

	// The budget refills to 3600 in 10 s and 10 requests are missing: one
	// is back every second.
	reset := http.Header{}
	reset.Set("RateLimit-Limit", "3600")
	reset.Set("RateLimit-Remaining", "3590")
	reset.Set("RateLimit-Reset", strconv.FormatInt(now.Add(10*time.Second).Unix(), 10))
	fmt.Println("RateLimit-Reset, try 0:", hcloudx.Delay(reset, now, 0))
	fmt.Println("RateLimit-Reset, try 1:", hcloudx.Delay(reset, now, 1))

	fmt.Println("no headers, try 2:", hcloudx.Delay(http.Header{}, now, 2))
	// Output:
	// Retry-After 3: 3s
	// RateLimit-Reset, try 0: 1s
	// RateLimit-Reset, try 1: 2s
	// no headers, try 2: 4s
}

// Sentinel maps the code of a Hetzner error envelope to the ensure sentinel
// callers test with errors.Is; a code it doesn't know is taken as transient.
func ExampleSentinel() {
	for _, code := range []string{"uniqueness_error", "resource_limit_exceeded", "rate_limit_exceeded", "not_found", "some_future_code"} {
		err := hcloudx.Sentinel(code)
		fmt.Printf("%-24s conflict=%-5t quota=%-5t rate-limited=%-5t not-found=%-5t unavailable=%t\n", code,
			errors.Is(err, ensure.ErrConflict), errors.Is(err, ensure.ErrQuota), errors.Is(err, ensure.ErrRateLimited),
			errors.Is(err, ensure.ErrNotFound), errors.Is(err, ensure.ErrUnavailable))
	}
	// Output:
	// uniqueness_error         conflict=true  quota=false rate-limited=false not-found=false unavailable=false
	// resource_limit_exceeded  conflict=false quota=true  rate-limited=false not-found=false unavailable=false
	// rate_limit_exceeded      conflict=false quota=false rate-limited=true  not-found=false unavailable=false
	// not_found                conflict=false quota=false rate-limited=false not-found=true  unavailable=false
	// some_future_code         conflict=false quota=false rate-limited=false not-found=false unavailable=true
}

// RateLimitTransport goes under the hcloud-go client's HTTP client: a 429
// is waited out (and reported as progress) and the request sent again, so
// the caller only sees the answer that followed.
func ExampleRateLimitTransport() {
	var calls atomic.Int32
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// Hetzner's headers: the budget is spent and refills now.
			w.Header().Set("RateLimit-Limit", "3600")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", "1700000000")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":{"code":"rate_limit_exceeded","message":"limit of 3600 requests per hour reached"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"servers":[]}`)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: api}}
	srv.Start()
	defer srv.Close()

	client := &http.Client{Transport: &hcloudx.RateLimitTransport{
		MaxTries: 3,
		MaxWait:  time.Second,
		Now:      func() time.Time { return time.Unix(1_700_000_000, 0) },
	}}
	ctx := ensure.WithReporter(context.Background(), func(msg string) { fmt.Println("progress:", msg) })
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/servers", nil)
	if err != nil {
		panic(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body), "after", calls.Load(), "requests")
	// Output:
	// progress: hetzner rate limit reached: waiting 50ms before GET /v1/servers
	// 200 {"servers":[]} after 2 requests
}
