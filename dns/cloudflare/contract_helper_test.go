package cloudflare_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/assemblekit/assemble/internal/oapitest"
)

// contract validates success responses with chk against Cloudflare's OpenAPI
// description. Error responses are checked for Cloudflare's envelope by
// hand: the description's 4XX schema requires "result" but allows neither
// null (it lacks nullable: true) nor anything else (enum [null]), so no
// error body can pass kin-openapi.
func contract(t *testing.T, chk *oapitest.Checker) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if r.Context().Err() != nil {
				return // the client gave up; nothing was sent
			}
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
				Success  *bool            `json:"success"`
				Errors   []map[string]any `json:"errors"`
				Messages []map[string]any `json:"messages"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Success == nil || *env.Success || len(env.Errors) == 0 || env.Messages == nil {
				t.Errorf("error response of %s %s is not Cloudflare's envelope: %s", r.Method, r.URL.Path, rec.Body.String())
			}
			for _, e := range env.Errors {
				if c, ok := e["code"].(float64); !ok || c < 1000 && c != 971 {
					t.Errorf("error response of %s %s: bad code in %v", r.Method, r.URL.Path, e)
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent loggers of a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
