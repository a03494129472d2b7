package sim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newServer(t *testing.T) (*Knobs, *atomic.Int32, *httptest.Server) {
	t.Helper()
	var commits atomic.Int32
	k := NewKnobs(func(w http.ResponseWriter, _ *http.Request, status int) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":"injected"}`)
	})
	srv := httptest.NewServer(k.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			commits.Add(1)
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "ok")
	})))
	t.Cleanup(srv.Close)
	return k, &commits, srv
}

func post(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	resp, err := c.Post(url, "text/plain", strings.NewReader("x"))
	if err == nil {
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestFaultKinds(t *testing.T) {
	k, commits, srv := newServer(t)

	k.Inject(Fault{Kind: FailBeforeCommit, Method: "POST", Path: "/v1/servers", Status: 503})
	resp, err := post(t, srv.Client(), srv.URL+"/v1/servers")
	if err != nil || resp.StatusCode != 503 || commits.Load() != 0 {
		t.Fatalf("before-commit: resp=%v err=%v commits=%d", resp, err, commits.Load())
	}

	k.Inject(Fault{Kind: RateLimit, Path: "/v1/*", RetryAfter: 2 * time.Second})
	resp, err = post(t, srv.Client(), srv.URL+"/v1/servers")
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || commits.Load() != 0 {
		t.Fatalf("rate-limit: resp=%v err=%v commits=%d", resp, err, commits.Load())
	}

	k.Inject(Fault{Kind: DropAfterCommit, Method: "POST"})
	if _, err = post(t, srv.Client(), srv.URL+"/v1/servers"); err == nil {
		t.Fatal("drop-after-commit: want a transport error")
	}
	if commits.Load() != 1 {
		t.Fatalf("drop-after-commit: commits = %d, want 1", commits.Load())
	}

	k.Inject(Fault{Kind: SlowAfterCommit, Method: "POST", Delay: 10 * time.Second})
	c := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err = post(t, c, srv.URL+"/v1/servers"); err == nil {
		t.Fatal("slow-after-commit: want a client timeout")
	}
	if commits.Load() != 2 {
		t.Fatalf("slow-after-commit: commits = %d, want 2", commits.Load())
	}

	// All faults spent: the next request goes through.
	resp, err = post(t, srv.Client(), srv.URL+"/v1/servers")
	if err != nil || resp.StatusCode != 201 || commits.Load() != 3 {
		t.Fatalf("after faults: resp=%v err=%v commits=%d", resp, err, commits.Load())
	}
	if k.PendingFaults() != 0 {
		t.Fatalf("pending faults = %d", k.PendingFaults())
	}

	log := k.Requests()
	if len(log) != 5 {
		t.Fatalf("log has %d entries, want 5: %v", len(log), log)
	}
	wantFaults := []FaultKind{FailBeforeCommit, RateLimit, DropAfterCommit, SlowAfterCommit, ""}
	for i, r := range log {
		if r.Fault != wantFaults[i] {
			t.Errorf("log[%d].Fault = %q, want %q", i, r.Fault, wantFaults[i])
		}
	}
	if log[4].Status != 201 || log[2].Status != 0 {
		t.Errorf("statuses wrong: %+v", log)
	}
	if got := k.Count("POST", "/v1/*"); got != 5 {
		t.Errorf("Count = %d", got)
	}
	if got := k.Mutating(); got != 5 {
		t.Errorf("Mutating = %d", got)
	}
}

func TestTimesAndMark(t *testing.T) {
	k, _, srv := newServer(t)
	k.Inject(Fault{Kind: FailBeforeCommit, Method: "GET", Path: "/a", Times: 2})
	codes := []int{}
	for range 3 {
		resp, err := srv.Client().Get(srv.URL + "/a")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 500 || codes[1] != 500 || codes[2] != 201 {
		t.Fatalf("codes = %v", codes)
	}
	m := k.Mark()
	resp, _ := srv.Client().Get(srv.URL + "/b?x=1")
	resp.Body.Close()
	since := k.Since(m)
	if len(since) != 1 || since[0].String() != "GET /b?x=1" || k.Mutating() != 0 {
		t.Fatalf("since = %v, mutating = %d", since, k.Mutating())
	}
	k.ResetLog()
	if len(k.Requests()) != 0 {
		t.Fatal("ResetLog kept entries")
	}
}

func TestLatencyHonoursClientCancel(t *testing.T) {
	k, _, srv := newServer(t)
	k.SetLatency(5 * time.Second)
	c := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := c.Get(srv.URL + "/"); err == nil {
		t.Fatal("want timeout")
	}
}

func TestLatencyKeepsTheBody(t *testing.T) {
	k := NewKnobs(nil)
	var got string
	srv := httptest.NewServer(k.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	})))
	defer srv.Close()
	k.SetLatency(time.Millisecond)
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "payload" {
		t.Fatalf("handler got body %q", got)
	}
}

// Rounds tells requests sent together from requests that wait on each
// other, from the log alone.
func TestRounds(t *testing.T) {
	k := NewKnobs(nil)
	const latency = 40 * time.Millisecond
	k.SetLatency(latency)
	srv := httptest.NewServer(k.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	defer srv.Close()
	get := func() {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	parallel := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() { defer wg.Done(); get() }()
		}
		wg.Wait()
	}
	m := k.Mark()
	parallel(4)
	if got := Rounds(k.Since(m), latency); got != 1 {
		t.Fatalf("4 requests at once: %d rounds, want 1", got)
	}
	m = k.Mark()
	get()
	get()
	parallel(3)
	if got := Rounds(k.Since(m), latency); got != 3 {
		t.Fatalf("two one after the other, then three at once: %d rounds, want 3", got)
	}
	if got := Rounds(nil, latency); got != 0 {
		t.Fatalf("no requests: %d rounds", got)
	}
}
