// Package oapitest checks a simulator against a vendor's OpenAPI description:
// it wraps the simulator's handler, and every request and response that
// passes through is validated with kin-openapi. Failures are reported on the
// test when it ends.
//
// The descriptions live in ../shared/specs beside the repository (or in the
// directory named by ASSEMBLE_SPECS_DIR); when they are absent the test is
// skipped with a message.
package oapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// SpecsDirEnv overrides where the API descriptions are looked for.
const SpecsDirEnv = "ASSEMBLE_SPECS_DIR"

// SpecPath returns the path of the named description, or "" if it can't be
// found.
func SpecPath(name string) string {
	if d := os.Getenv(SpecsDirEnv); d != "" {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "specs", name)
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*openapi3.T{}
)

// load parses a description once per test binary; the Hetzner one is large.
func load(path string) (*openapi3.T, error) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if doc, ok := cache[path]; ok {
		return doc, nil
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	normalize(doc)
	// Route by path alone: keep each server's base path, drop its host, so
	// the simulator's loopback address matches.
	for _, s := range doc.Servers {
		if u, err := url.Parse(s.URL); err == nil {
			s.URL = strings.TrimSuffix(u.Path, "/")
			if s.URL == "" {
				s.URL = "/"
			}
		}
	}
	cache[path] = doc
	return doc, nil
}

// Checker validates traffic against one description.
type Checker struct {
	t      testing.TB
	router routers.Router

	mu        sync.Mutex
	checked   int
	failures  []string
	unmatched map[string]int
}

// New loads the named description (a file in ../shared/specs) or skips t.
// Failures found by the returned Checker are reported with t.Errorf when t
// ends.
func New(t testing.TB, name string) *Checker {
	t.Helper()
	p := SpecPath(name)
	if p == "" {
		t.Skipf("API description %s not found (looked in ../shared/specs beside the module and $%s); contract test skipped", name, SpecsDirEnv)
	}
	doc, err := load(p)
	if err != nil {
		t.Fatalf("load %s: %v", p, err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("route %s: %v", p, err)
	}
	c := &Checker{t: t, router: r, unmatched: map[string]int{}}
	t.Cleanup(c.report)
	return c
}

// Wrap returns h with every request and response validated.
func (c *Checker) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())

		vr := r.Clone(context.Background())
		vr.Body = io.NopCloser(bytes.NewReader(body))
		c.check(vr, body, rec)
	})
}

// Checked returns how many responses were validated against an operation.
func (c *Checker) Checked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked
}

// Failures returns the validation failures so far.
func (c *Checker) Failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.failures...)
}

// Unmatched returns the "METHOD path" of requests the description has no
// operation for, with counts.
func (c *Checker) Unmatched() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.unmatched))
	for k, v := range c.unmatched {
		out[k] = v
	}
	return out
}

func (c *Checker) check(r *http.Request, body []byte, rec *recorder) {
	// A fresh URL without scheme/host so gorillamux matches by path only.
	route, params, err := c.router.FindRoute(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.unmatched[r.Method+" "+r.URL.Path]++
		return
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.status,
		Header:                 rec.header,
		Body:                   io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		Options:                opts,
	}
	c.checked++
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.failures = append(c.failures, fmt.Sprintf("%s %s -> %d: response: %v\nbody: %s", r.Method, r.URL.RequestURI(), rec.status, err, trim(rec.body.Bytes())))
	}
}

func (c *Checker) report() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.failures {
		c.t.Errorf("openapi contract: %s", f)
	}
	if len(c.unmatched) > 0 {
		keys := make([]string, 0, len(c.unmatched))
		for k := range c.unmatched {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		c.t.Logf("openapi contract: %d responses checked; requests with no operation in the description: %v", c.checked, keys)
	}
}

func trim(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// normalize repairs two things in the vendors' descriptions that kin-openapi
// would otherwise hold against every error response:
//   - status ranges keyed in lowercase ("4xx", Hetzner's), which OpenAPI
//     spells "4XX";
//   - `enum: [null]` on a property that isn't marked nullable (Cloudflare's
//     error envelope says "result": null that way), which no value could
//     then satisfy.
func normalize(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var fixSchema func(ref *openapi3.SchemaRef)
	fixSchema = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		sc := ref.Value
		seen[sc] = true
		for _, e := range sc.Enum {
			if e == nil {
				sc.Nullable = true
			}
		}
		for _, p := range sc.Properties {
			fixSchema(p)
		}
		fixSchema(sc.Items)
		fixSchema(sc.Not)
		for _, list := range [][]*openapi3.SchemaRef{sc.AllOf, sc.AnyOf, sc.OneOf} {
			for _, r := range list {
				fixSchema(r)
			}
		}
		if sc.AdditionalProperties.Schema != nil {
			fixSchema(sc.AdditionalProperties.Schema)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			for key, resp := range op.Responses.Map() {
				if up := strings.ToUpper(key); up != key && strings.HasSuffix(up, "XX") {
					op.Responses.Delete(key)
					op.Responses.Set(up, resp)
				}
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						fixSchema(mt.Schema)
					}
				}
			}
		}
	}
}
