package registrytest

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/assemblekit/assemble/sim"
)

// Server is a running simulated registry. It is safe for concurrent use.
type Server struct {
	cfg   config
	knobs *sim.Knobs
	inner http.Handler
	ln    net.Listener
	hs    *http.Server
	host  string
	// tokenPath is where the token endpoint answers: the realm's path.
	tokenPath string
	// signer signs tokens; nil with WithOpaqueTokens.
	signer *signer

	mu      sync.Mutex
	users   map[string]*user
	tokens  map[string]*grant
	uploads map[string]string // upload id → repository

	closeOnce sync.Once
	closeErr  error
}

// New starts a Server for the test and closes it when the test ends. It fails
// the test if the server can't start.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Start starts a Server; call Close when done.
func Start(opts ...Option) (*Server, error) {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkLoopback(cfg.addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("start registry simulator: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		knobs:   sim.NewKnobs(writeInjected),
		inner:   ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))),
		ln:      ln,
		host:    ln.Addr().String(),
		users:   map[string]*user{},
		tokens:  map[string]*grant{},
		uploads: map[string]string{},
	}
	s.tokenPath = "/token"
	if !cfg.opaque {
		if s.signer, err = newSigner(); err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("start registry simulator: token key: %w", err)
		}
	}
	if cfg.realm != "" {
		u, err := url.Parse(cfg.realm)
		if err != nil || u.Path == "" {
			_ = ln.Close()
			return nil, fmt.Errorf("start registry simulator: realm %q is not a URL with a path", cfg.realm)
		}
		s.tokenPath = u.Path
	}
	s.hs = &http.Server{
		Handler:           s.knobs.Wrap(http.HandlerFunc(s.serve)),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("start registry simulator: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("start registry simulator: address %q is not loopback; use 127.0.0.x", addr)
	}
	return nil
}

// Close stops the server and drops open connections at once (a graceful
// shutdown would wait for half-open probes, such as a client's HTTPS attempt
// on this plain-HTTP port).
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if err := s.hs.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.closeErr = err
		}
	})
	return s.closeErr
}

// Host returns the registry's "127.0.0.1:port": what goes into
// registry.server and in front of image names.
func (s *Server) Host() string { return s.host }

// URL returns "http://" + Host().
func (s *Server) URL() string { return "http://" + s.host }

// Realm returns the token endpoint's URL the Bearer challenge names.
func (s *Server) Realm() string {
	if s.cfg.realm != "" {
		return s.cfg.realm
	}
	return s.URL() + "/token"
}

// Mode returns the authentication mode.
func (s *Server) Mode() AuthMode { return s.cfg.mode }

// Knobs returns the latency, fault and request-log controls.
func (s *Server) Knobs() *sim.Knobs { return s.knobs }

// OpenUploads returns how many upload sessions were started and neither
// completed nor cancelled.
func (s *Server) OpenUploads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.uploads)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	if r.URL.Path == s.tokenPath {
		if s.cfg.mode != Bearer {
			http.NotFound(w, r)
			return
		}
		s.serveToken(w, r)
		return
	}
	if r.URL.Path != "/v2" && !strings.HasPrefix(r.URL.Path, "/v2/") {
		http.NotFound(w, r)
		return
	}
	res := parseResource(r)
	if !s.authorize(w, r, res) {
		return
	}
	if res.repo == "" {
		// The API version check: authenticated is all it needs.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "{}")
		return
	}
	if s.cfg.readOnly && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodDelete {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if res.uploadID != "" || res.uploadStart {
		s.serveUpload(w, r, res)
		return
	}
	s.inner.ServeHTTP(w, r)
}
