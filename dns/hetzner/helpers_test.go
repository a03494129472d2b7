package hetzner_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/hetzner"
	"github.com/assemblekit/assemble/internal/oapitest"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
)

type env struct {
	srv  *hetznertest.Server
	logs *syncBuffer
}

// newEnv starts a simulator with zone example.com whose RRset and action
// responses are checked against Hetzner's OpenAPI description (zone objects
// are checked in hetznertest's own contract test: kin-openapi can't follow
// the description's zone discriminator).
func newEnv(t *testing.T, opts ...hetznertest.Option) *env {
	t.Helper()
	chk := oapitest.New(t, "hetzner-cloud.openapi.json")
	base := []hetznertest.Option{hetznertest.WithActionDuration(10 * time.Millisecond), hetznertest.WithMiddleware(rrsetContract(chk))}
	srv := hetznertest.New(t, append(base, opts...)...)
	srv.AddZone(hetznertest.ZoneRecord{Name: "example.com"})
	return &env{srv: srv, logs: &syncBuffer{}}
}

func (e *env) provider(opts ...hetzner.Option) *hetzner.Provider {
	base := []hetzner.Option{
		hetzner.WithEndpoint(e.srv.URL()),
		hetzner.WithPollInterval(5*time.Millisecond, 20*time.Millisecond),
		hetzner.WithRetry(3, 20*time.Millisecond),
		hetzner.WithVerify(dns.WithNameserverAddrs(e.srv.NameserverAddrs()), dns.WithInterval(10*time.Millisecond), dns.WithTimeout(5*time.Second)),
		hetzner.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	return hetzner.New(secret.New(e.srv.Token()), append(base, opts...)...)
}

func spec() dns.RecordSpec {
	return dns.RecordSpec{Name: "shop.example.com", Content: "127.0.0.5", Owner: "shop"}
}

// shop returns the RRset shop/A, if any.
func (e *env) shop(t *testing.T) (hetznertest.RRSetRecord, bool) {
	t.Helper()
	return e.srv.RRSet("example.com", "shop", "A")
}

// rrsetContract validates successful responses of RRset and action
// endpoints; error bodies are left to the tests (the description keys them
// "4xx", which kin-openapi can't match).
func rrsetContract(chk *oapitest.Checker) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if r.Context().Err() != nil {
				return
			}
			replay := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
			})
			zoneObject := !bytes.Contains([]byte(r.URL.Path), []byte("/rrsets")) && bytes.HasPrefix([]byte(r.URL.Path), []byte("/v1/zones"))
			if rec.Code >= 400 || zoneObject {
				replay.ServeHTTP(w, r)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			chk.Wrap(replay).ServeHTTP(w, r)
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent loggers.
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

func values(rs hetznertest.RRSetRecord) []string {
	var out []string
	for _, r := range rs.Records {
		out = append(out, r.Value)
	}
	return out
}
