package cloudflaretest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
	"github.com/assemblekit/assemble/internal/oapitest"
)

// checked starts a simulator whose success responses are validated against
// Cloudflare's OpenAPI description. (Its 4XX schema requires "result" yet
// forbids null, so error bodies are checked for the envelope by hand.)
func checked(t *testing.T, opts ...cloudflaretest.Option) *cloudflaretest.Server {
	chk := oapitest.New(t, "cloudflare-zones-dns.openapi.json")
	mw := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			replay := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
			})
			// Responses are checked against the description, 4xx error
			// envelopes too (oapitest accepts its "result": null), except
			// two the description can't describe: 429s, whose code 971 is
			// below the minimum its schema sets for error codes, and the
			// 5xx faults tests inject, which it doesn't list. Errors are
			// also checked for Cloudflare's envelope by hand below.
			if rec.Code >= 500 || rec.Code == http.StatusTooManyRequests {
				replay.ServeHTTP(w, r)
			} else {
				r.Body = io.NopCloser(bytes.NewReader(body))
				chk.Wrap(replay).ServeHTTP(w, r)
			}
			if rec.Code < 400 {
				return
			}
			var env struct {
				Success  bool             `json:"success"`
				Errors   []map[string]any `json:"errors"`
				Messages []map[string]any `json:"messages"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &env) != nil || env.Success || len(env.Errors) == 0 || env.Messages == nil {
				t.Errorf("not Cloudflare's error envelope: %s", rec.Body.String())
			}
		})
	}
	t.Cleanup(func() {
		if chk.Checked() == 0 {
			t.Error("no response was checked against the description")
		}
	})
	return cloudflaretest.New(t, append([]cloudflaretest.Option{cloudflaretest.WithMiddleware(mw)}, opts...)...)
}

type answer struct {
	Status   int
	Success  bool
	Errors   []struct{ Code int }
	Result   json.RawMessage
	Info     map[string]int `json:"result_info"`
	RetryAft string
}

func call(t *testing.T, s *cloudflaretest.Server, token, method, path string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var a answer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	a.Status = resp.StatusCode
	a.RetryAft = resp.Header.Get("Retry-After")
	return a
}

func codes(a answer) []int {
	var out []int
	for _, e := range a.Errors {
		out = append(out, e.Code)
	}
	return out
}

func TestRecordsAPI(t *testing.T) {
	s := checked(t)
	z := s.AddZone("example.com")
	tok := s.Token()
	base := "/zones/" + z.ID + "/dns_records"

	// Relative names are expanded to FQDNs.
	a := call(t, s, tok, "POST", base, map[string]any{"type": "A", "name": "shop", "content": "127.0.0.5", "ttl": 1, "comment": "c"})
	require.Equal(t, 200, a.Status, codes(a))
	var created struct{ ID, Name string }
	require.NoError(t, json.Unmarshal(a.Result, &created))
	require.Equal(t, "shop.example.com", created.Name)

	// Identical → 81058; different content at the same name is allowed.
	a = call(t, s, tok, "POST", base, map[string]any{"type": "A", "name": "shop.example.com", "content": "127.0.0.5", "ttl": 1})
	require.Equal(t, []int{81058}, codes(a))
	a = call(t, s, tok, "POST", base, map[string]any{"type": "A", "name": "shop.example.com", "content": "127.0.0.6", "ttl": 1})
	require.True(t, a.Success)
	// CNAME clashes.
	a = call(t, s, tok, "POST", base, map[string]any{"type": "CNAME", "name": "shop", "content": "x.example.net", "ttl": 1})
	require.Equal(t, []int{81053}, codes(a))
	a = call(t, s, tok, "POST", base, map[string]any{"type": "CNAME", "name": "www", "content": "x.example.net", "ttl": 1})
	require.True(t, a.Success)
	a = call(t, s, tok, "POST", base, map[string]any{"type": "A", "name": "www", "content": "127.0.0.8", "ttl": 1})
	require.Equal(t, []int{81054}, codes(a))
	// Bad content and TTL.
	a = call(t, s, tok, "POST", base, map[string]any{"type": "A", "name": "x", "content": "::1", "ttl": 1})
	require.Equal(t, []int{cloudflaretest.CodeInvalidContent}, codes(a))
	a = call(t, s, tok, "POST", base, map[string]any{"type": "A", "name": "x", "content": "127.0.0.1", "ttl": 5})
	require.Equal(t, []int{cloudflaretest.CodeInvalidTTL}, codes(a))

	// Filters.
	a = call(t, s, tok, "GET", base+"?name.exact=shop.example.com&type=A", nil)
	var list []struct{ Content, Comment string }
	require.NoError(t, json.Unmarshal(a.Result, &list))
	require.Len(t, list, 2)
	a = call(t, s, tok, "GET", base+"?name=SHOP.example.com&content=127.0.0.6", nil)
	require.NoError(t, json.Unmarshal(a.Result, &list))
	require.Len(t, list, 1)
	a = call(t, s, tok, "GET", base+"?comment=c", nil)
	require.NoError(t, json.Unmarshal(a.Result, &list))
	require.Len(t, list, 1)

	// Pagination: two pages of 2 and 1, then an empty page past the end.
	for page, want := range map[int]int{1: 2, 2: 1, 3: 0} {
		a = call(t, s, tok, "GET", fmt.Sprintf("%s?per_page=2&page=%d", base, page), nil)
		require.NoError(t, json.Unmarshal(a.Result, &list))
		require.Len(t, list, want, "page %d", page)
		require.Equal(t, 3, a.Info["total_count"])
	}

	// PATCH changes what it names; PUT replaces.
	a = call(t, s, tok, "PATCH", base+"/"+created.ID, map[string]any{"content": "127.0.0.7"})
	require.True(t, a.Success)
	a = call(t, s, tok, "GET", base+"/"+created.ID, nil)
	var got struct {
		Content, Comment string
		TTL              int
	}
	require.NoError(t, json.Unmarshal(a.Result, &got))
	require.Equal(t, "127.0.0.7", got.Content)
	require.Equal(t, "c", got.Comment)
	a = call(t, s, tok, "PUT", base+"/"+created.ID, map[string]any{"type": "A", "name": "shop", "content": "127.0.0.9", "ttl": 120})
	require.True(t, a.Success)
	a = call(t, s, tok, "GET", base+"/"+created.ID, nil)
	require.NoError(t, json.Unmarshal(a.Result, &got))
	require.Equal(t, "", got.Comment)
	require.Equal(t, 120, got.TTL)

	a = call(t, s, tok, "DELETE", base+"/"+created.ID, nil)
	require.True(t, a.Success)
	a = call(t, s, tok, "DELETE", base+"/"+created.ID, nil)
	require.Equal(t, 404, a.Status)
	require.Equal(t, []int{81044}, codes(a))

	// Unknown zone, bad token, zone-restricted token.
	a = call(t, s, tok, "GET", "/zones/00000000000000000000000000000000/dns_records", nil)
	require.Equal(t, []int{7003}, codes(a))
	a = call(t, s, "nope", "GET", base, nil)
	require.Equal(t, []int{9109}, codes(a))
	a = call(t, s, "nope", "GET", "/user/tokens/verify", nil)
	require.Equal(t, []int{1000}, codes(a))
	s.AddToken("other", cloudflaretest.TokenZones("other.org"))
	a = call(t, s, "other", "GET", "/zones?name=example.com", nil)
	require.Equal(t, "[]", string(a.Result))
	require.Len(t, s.Records("example.com"), 2)
}

func TestRateLimit(t *testing.T) {
	s := checked(t, cloudflaretest.WithRateLimit(3, time.Minute))
	s.AddZone("example.com")
	for range 3 {
		require.True(t, call(t, s, s.Token(), "GET", "/zones", nil).Success)
	}
	a := call(t, s, s.Token(), "GET", "/zones", nil)
	require.Equal(t, 429, a.Status)
	require.Equal(t, []int{971}, codes(a))
	require.Equal(t, "60", a.RetryAft)
	// Another token has its own budget.
	s.AddToken("second")
	require.True(t, call(t, s, "second", "GET", "/zones", nil).Success)
}

func query(t *testing.T, addr, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	m.RecursionDesired = false
	resp, _, err := (&mdns.Client{Timeout: 2 * time.Second}).Exchange(m, addr)
	require.NoError(t, err)
	return resp
}

func TestAuthoritativeDNS(t *testing.T) {
	s := cloudflaretest.New(t)
	s.AddZone("example.com")
	s.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Content: "127.0.0.5"})
	s.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Content: "127.0.0.6"})
	s.AddRecord("example.com", cloudflaretest.Record{Name: "cdn", Content: "127.0.0.7", Proxied: true})

	addrs := s.NameserverAddrs()
	require.Len(t, addrs, 2)
	for _, addr := range append([]string{s.DNSAddr()}, addrs["ada.ns.cloudflare.com"]) {
		r := query(t, addr, "shop.example.com", mdns.TypeA)
		require.True(t, r.Authoritative)
		require.Len(t, r.Answer, 2)
		r = query(t, addr, "cdn.example.com", mdns.TypeA)
		require.Equal(t, cloudflaretest.ProxyAddrs("A")[0], r.Answer[0].(*mdns.A).A.String())
		r = query(t, addr, "missing.example.com", mdns.TypeA)
		require.Equal(t, mdns.RcodeNameError, r.Rcode)
		require.True(t, r.Authoritative)
		r = query(t, addr, "shop.example.com", mdns.TypeAAAA)
		require.Equal(t, mdns.RcodeSuccess, r.Rcode)
		require.Empty(t, r.Answer)
		r = query(t, addr, "example.org", mdns.TypeA)
		require.Equal(t, mdns.RcodeRefused, r.Rcode)
	}

	// Propagation: an API change shows up in DNS only after the delay.
	s.SetPropagationDelay(200 * time.Millisecond)
	a := call(t, s, s.Token(), "POST", "/zones/"+s.Zones()[0].ID+"/dns_records", map[string]any{"type": "A", "name": "new", "content": "127.0.0.8", "ttl": 1})
	require.True(t, a.Success)
	require.Equal(t, mdns.RcodeNameError, query(t, s.DNSAddr(), "new.example.com", mdns.TypeA).Rcode)
	require.Eventually(t, func() bool {
		return len(query(t, s.DNSAddr(), "new.example.com", mdns.TypeA).Answer) == 1
	}, 3*time.Second, 20*time.Millisecond)
}

func TestSaveLoad(t *testing.T) {
	s := cloudflaretest.New(t)
	s.AddZone("example.com", cloudflaretest.ZoneStatus("pending"))
	s.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Content: "127.0.0.5", Comment: "x"})
	path := filepath.Join(t.TempDir(), "cf.json")
	require.NoError(t, s.SaveFile(path))

	s2 := cloudflaretest.New(t)
	require.NoError(t, s2.LoadFile(path))
	require.Equal(t, s.Zones(), s2.Zones())
	require.Equal(t, s.Records(""), s2.Records(""))
	require.Len(t, query(t, s2.DNSAddr(), "shop.example.com", mdns.TypeA).Answer, 1)
	// The loading simulator's own token still works, and so does the saved one.
	require.True(t, call(t, s2, s2.Token(), "GET", "/zones", nil).Success)
	require.True(t, call(t, s2, s.Token(), "GET", "/zones", nil).Success)
	require.True(t, strings.HasPrefix(s2.URL(), "http://127.0.0.1:"))
}
