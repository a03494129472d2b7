package hetznertest

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/assemblekit/assemble/sim"
)

// DefaultToken is the Bearer token every simulator accepts unless
// WithToken replaces it.
const DefaultToken = "hetznertest-token"

// Boot describes a server the simulator is booting, for OnBoot hooks.
type Boot struct {
	ID   int64
	Name string
	// Type is the server type's name ("cx33"); TypeMemory gives its memory.
	Type     string
	IPv4     netip.Addr
	IPv6     netip.Prefix
	UserData string
	// Arch is "x86" or "arm", as Hetzner names it.
	Arch  string
	Image string
	// Labels are the server's labels at creation.
	Labels map[string]string

	createAction int64
}

// BootFunc attaches a host to a server being booted. An error makes the
// server's create action fail.
type BootFunc func(ctx context.Context, b Boot) error

// Option configures a simulator.
type Option func(*config)

type config struct {
	token      string
	addr       string
	actionTime time.Duration
	rateLimit  int
	refill     time.Duration
	now        func() time.Time
	middleware []func(http.Handler) http.Handler
}

// WithMiddleware wraps the simulator's handler (outside the Knobs) with mw,
// e.g. an OpenAPI contract checker's Wrap.
func WithMiddleware(mw func(http.Handler) http.Handler) Option {
	return func(c *config) { c.middleware = append(c.middleware, mw) }
}

// WithToken replaces DefaultToken as the accepted token.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithAddr sets the listen address (default "127.0.0.1:0"); it must be a
// loopback address.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithActionDuration sets how long actions (server create, firewall
// changes, deletes) run before they finish (default 50ms).
func WithActionDuration(d time.Duration) Option { return func(c *config) { c.actionTime = d } }

// WithRateLimit sets the request budget (default 3600) and how long it
// takes to earn one request back (default 1s), like Hetzner's 3600/hour.
func WithRateLimit(limit int, refill time.Duration) Option {
	return func(c *config) { c.rateLimit, c.refill = limit, refill }
}

// WithClock replaces time.Now, for tests that control time.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Server is a running simulator: an http.Handler behind a loopback listener.
// It is safe for concurrent use.
type Server struct {
	cfg    config
	knobs  *sim.Knobs
	hs     *http.Server
	ln     net.Listener
	url    string
	served chan struct{}

	mu         sync.Mutex
	tokens     map[string]bool
	types      []ServerType
	images     []Image
	nextID     int64
	nextIP     int
	servers    map[int64]*serverState
	firewalls  map[int64]*firewallState
	keys       map[int64]*sshKeyState
	actions    map[int64]*actionState
	hooks      []BootFunc
	actionTime time.Duration
	budget     float64
	budgetAt   time.Time
	dns        *dnsState // zones, RRsets and DNS listeners; see zs
}

// New starts a simulator for t and stops it when t ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("start hetzner simulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// NewHandler returns a simulator that is not listening anywhere, to mount
// with Handler in a server of your own.
func NewHandler(opts ...Option) *Server {
	c := config{token: DefaultToken, addr: "127.0.0.1:0", actionTime: 50 * time.Millisecond, rateLimit: 3600, refill: time.Second, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	s := &Server{
		cfg:        c,
		knobs:      sim.NewKnobs(writeStatusError),
		tokens:     map[string]bool{c.token: true},
		types:      seedServerTypes(),
		images:     seedImages(),
		nextID:     1000,
		servers:    map[int64]*serverState{},
		firewalls:  map[int64]*firewallState{},
		keys:       map[int64]*sshKeyState{},
		actions:    map[int64]*actionState{},
		actionTime: c.actionTime,
		budget:     float64(c.rateLimit),
		budgetAt:   c.now(),
	}
	return s
}

// Start starts a simulator on a loopback address; Close stops it.
func Start(opts ...Option) (*Server, error) {
	s := NewHandler(opts...)
	host, _, err := net.SplitHostPort(s.cfg.addr)
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, errors.New("hetznertest: listen address must be a loopback IP")
	}
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String() + "/v1"
	h := s.Handler()
	for _, mw := range s.cfg.middleware {
		h = mw(h)
	}
	s.hs = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.hs.Serve(ln)
	}()
	return s, nil
}

// Close stops the listeners (HTTP and DNS) and waits for the serve loop to
// end.
func (s *Server) Close() error {
	s.closeDNS()
	if s.hs == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.hs.Shutdown(ctx)
	if err != nil {
		err = s.hs.Close()
	}
	<-s.served
	return err
}

// URL returns the API's base URL including /v1, for hetzner.WithEndpoint.
func (s *Server) URL() string { return s.url }

// Token returns the token the simulator was started with.
func (s *Server) Token() string { return s.cfg.token }

// AddToken makes the simulator accept another token (same project).
func (s *Server) AddToken(token string) {
	s.mu.Lock()
	s.tokens[token] = true
	s.mu.Unlock()
}

// RevokeToken makes the simulator reject token.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	delete(s.tokens, token)
	s.mu.Unlock()
}

// Knobs returns the latency, fault and request-log controls.
func (s *Server) Knobs() *sim.Knobs { return s.knobs }

// OnBoot registers f to run for every server the simulator creates (after
// the create is committed, before the server turns running) and for every
// server restored by Load.
func (s *Server) OnBoot(f BootFunc) {
	s.mu.Lock()
	s.hooks = append(s.hooks, f)
	s.mu.Unlock()
}

// SetActionDuration changes how long new actions run.
func (s *Server) SetActionDuration(d time.Duration) {
	s.mu.Lock()
	s.actionTime = d
	s.mu.Unlock()
}

// SetRateLimit resets the request budget to limit, refilling one request per
// refill.
func (s *Server) SetRateLimit(limit int, refill time.Duration) {
	s.mu.Lock()
	s.cfg.rateLimit, s.cfg.refill = limit, refill
	s.budget, s.budgetAt = float64(limit), s.cfg.now()
	s.mu.Unlock()
}

// stamp is the current time as the API shows it: UTC, whole seconds.
func (s *Server) stamp() time.Time { return s.cfg.now().UTC().Truncate(time.Second) }
