package oapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCatchesBadResponse(t *testing.T) {
	c := New(t, "hetzner-cloud.openapi.json")
	good := `{"locations":[{"id":1,"name":"fsn1","description":"Falkenstein DC Park 1","country":"DE","city":"Falkenstein","latitude":50.47612,"longitude":12.370071,"network_zone":"eu-central"}],"meta":{"pagination":{"page":1,"per_page":25,"previous_page":null,"next_page":null,"last_page":1,"total_entries":1}}}`
	bad := `{"locations":[{"id":"one"}]}`
	body := good
	h := c.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func() {
		resp, err := http.Get(srv.URL + "/v1/locations")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get()
	if n := len(c.Failures()); n != 0 || c.Checked() != 1 {
		t.Fatalf("good response: failures=%v checked=%d", c.Failures(), c.Checked())
	}
	body = bad
	get()
	f := c.Failures()
	if len(f) != 1 || !strings.Contains(f[0], "/v1/locations") {
		t.Fatalf("bad response not caught: %v", f)
	}
	// The failure is expected here; don't let report() fail this test.
	c.mu.Lock()
	c.failures = nil
	c.mu.Unlock()
}
