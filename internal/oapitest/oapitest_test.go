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

// Hetzner keys its error responses "4xx": after normalize, an error envelope
// is checked against that schema like any other response.
func TestErrorResponsesAreChecked(t *testing.T) {
	c := New(t, "hetzner-cloud.openapi.json")
	body := `{"error":{"code":"not_found","message":"server not found","details":{}}}`
	h := c.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, body)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func() {
		resp, err := http.Get(srv.URL + "/v1/servers/42")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get()
	if f := c.Failures(); len(f) != 0 {
		t.Fatalf("a valid error envelope failed: %v", f)
	}
	body = `{"error":"not found"}`
	get()
	if len(c.Failures()) != 1 {
		t.Fatalf("a wrong error envelope passed: %v", c.Failures())
	}
	c.mu.Lock()
	c.failures = nil
	c.mu.Unlock()
}

// Cloudflare's error envelope says "result": null as an enum of null on a
// property not marked nullable; after normalize a real envelope passes.
func TestCloudflareErrorEnvelope(t *testing.T) {
	c := New(t, "cloudflare-zones-dns.openapi.json")
	h := c.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"success":false,"errors":[{"code":81057,"message":"Record already exists."}],"messages":[],"result":null}`)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c.Checked() != 1 {
		t.Fatalf("not routed: %v", c.Unmatched())
	}
	if f := c.Failures(); len(f) != 0 {
		t.Fatalf("a valid error envelope failed: %v", f)
	}
}
