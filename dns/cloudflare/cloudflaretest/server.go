package cloudflaretest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/assemblekit/assemble/sim"
)

// Server is a running simulator: a Cloudflare API on a loopback HTTP port and
// authoritative DNS servers on loopback UDP/TCP ports. It is safe for
// concurrent use.
type Server struct {
	cfg   config
	knobs *sim.Knobs

	httpSrv *http.Server
	httpLn  net.Listener
	url     string

	mu       sync.Mutex
	zones    map[string]*zone // by ID
	zoneSeq  []string         // IDs in creation order
	records  map[string]*record
	recSeq   []string
	dnsHist  map[string][]version // record ID → versions as DNS sees them
	tokens   map[string]*tokenInfo
	hits     map[string][]time.Time
	blocked  map[string]time.Time
	nsDelay  map[string]time.Duration
	propag   time.Duration
	identity bool // reject identical records with 81058
	lastTime time.Time

	dnsMu   sync.Mutex
	dnsMain *dnsListener
	dnsNS   map[string]*dnsListener // nameserver name → its listener
	closed  bool
}

// Option configures a Server.
type Option func(*config)

type config struct {
	host        string
	token       string
	limit       int
	window      time.Duration
	propagation time.Duration
	middleware  []func(http.Handler) http.Handler
	noIdentical bool
}

// WithHost sets the loopback address the HTTP and DNS listeners bind to;
// "127.0.0.1" by default. It must be a loopback address.
func WithHost(ip string) Option { return func(c *config) { c.host = ip } }

// WithToken sets the API token the simulator accepts (with access to every
// zone); a random one by default. Read it back with Token.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithRateLimit sets how many requests one token may send per window before
// the simulator answers 429 and blocks it for a window, as Cloudflare does;
// 1200 per 5 minutes by default. n <= 0 turns the limit off.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.limit, c.window = n, window }
}

// WithPropagationDelay makes every change visible in DNS only after d (see
// SetPropagationDelay).
func WithPropagationDelay(d time.Duration) Option { return func(c *config) { c.propagation = d } }

// WithMiddleware wraps the simulator's handler (outside its knobs) with m,
// for instance an internal/oapitest checker's Wrap.
func WithMiddleware(m func(http.Handler) http.Handler) Option {
	return func(c *config) { c.middleware = append(c.middleware, m) }
}

// WithoutIdenticalCheck makes the simulator accept a record identical to an
// existing one (same name, type and content) instead of answering 81058. It
// models the race in which two concurrent creates both pass Cloudflare's
// check, so tests can produce the duplicate a client must clean up.
func WithoutIdenticalCheck() Option { return func(c *config) { c.noIdentical = true } }

// New starts a simulator for the test and closes it when the test ends. It
// fails the test if the simulator can't start.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("start cloudflare simulator: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a simulator; call Close when done.
func Start(opts ...Option) (*Server, error) {
	cfg := config{host: "127.0.0.1", limit: 1200, window: 5 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	if ip := net.ParseIP(cfg.host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("start cloudflare simulator: host %q is not a loopback address", cfg.host)
	}
	if cfg.token == "" {
		cfg.token = randomHex(20)
	}
	s := &Server{
		cfg:      cfg,
		zones:    map[string]*zone{},
		records:  map[string]*record{},
		dnsHist:  map[string][]version{},
		tokens:   map[string]*tokenInfo{},
		hits:     map[string][]time.Time{},
		blocked:  map[string]time.Time{},
		nsDelay:  map[string]time.Duration{},
		propag:   cfg.propagation,
		identity: !cfg.noIdentical,
		dnsNS:    map[string]*dnsListener{},
	}
	s.tokens[cfg.token] = &tokenInfo{ID: randomHex(16), Status: "active"}
	s.knobs = sim.NewKnobs(errorForStatus)

	var h http.Handler = s.knobs.Wrap(http.HandlerFunc(s.serveAPI))
	for _, m := range cfg.middleware {
		h = m(h)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.host, "0"))
	if err != nil {
		return nil, fmt.Errorf("start cloudflare simulator: %w", err)
	}
	s.httpLn = ln
	s.url = "http://" + ln.Addr().String() + "/client/v4"
	s.httpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go func() { _ = s.httpSrv.Serve(ln) }()

	main, err := startDNS(s, cfg.host, "")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("start cloudflare simulator dns: %w", err)
	}
	s.dnsMain = main
	return s, nil
}

// Close stops the HTTP and DNS listeners. It is safe to call more than once.
func (s *Server) Close() {
	s.dnsMu.Lock()
	if s.closed {
		s.dnsMu.Unlock()
		return
	}
	s.closed = true
	ls := []*dnsListener{s.dnsMain}
	for _, l := range s.dnsNS {
		ls = append(ls, l)
	}
	s.dnsMu.Unlock()
	if s.httpSrv != nil {
		_ = s.httpSrv.Close()
	}
	for _, l := range ls {
		if l != nil {
			l.close()
		}
	}
}

// URL returns the API base URL including /client/v4, as the Cloudflare
// client's base-URL option expects it.
func (s *Server) URL() string { return s.url }

// Token returns the API token the simulator accepts for every zone.
func (s *Server) Token() string { return s.cfg.token }

// Knobs returns the simulator's latency, fault and request-log controls.
func (s *Server) Knobs() *sim.Knobs { return s.knobs }

// Handler returns the simulator's HTTP handler with its knobs, for embedding
// in a server of your own. The listener Start opened serves the same state.
func (s *Server) Handler() http.Handler { return s.knobs.Wrap(http.HandlerFunc(s.serveAPI)) }

// TokenOption restricts a token added with AddToken.
type TokenOption func(*tokenInfo)

// TokenZones limits the token to the named zones: other zones are invisible
// to it and requests on them are refused with 9109.
func TokenZones(names ...string) TokenOption {
	return func(t *tokenInfo) { t.Zones = append(t.Zones, names...) }
}

// TokenReadOnly makes every mutating request with the token fail with 403
// and code 10000.
func TokenReadOnly() TokenOption { return func(t *tokenInfo) { t.ReadOnly = true } }

// TokenStatus sets the status /user/tokens/verify reports ("active",
// "disabled", "expired"); only active tokens are accepted elsewhere.
func TokenStatus(status string) TokenOption { return func(t *tokenInfo) { t.Status = status } }

// AddToken makes the simulator accept token, restricted by opts.
func (s *Server) AddToken(token string, opts ...TokenOption) {
	ti := &tokenInfo{ID: randomHex(16), Status: "active"}
	for _, o := range opts {
		o(ti)
	}
	s.mu.Lock()
	s.tokens[token] = ti
	s.mu.Unlock()
}

// SetPropagationDelay makes changes made from now on visible in DNS only d
// after the API accepted them; records already visible stay visible.
func (s *Server) SetPropagationDelay(d time.Duration) {
	s.mu.Lock()
	s.propag = d
	s.mu.Unlock()
}

// SetNameserverDelay adds d to the propagation delay of the listener of one
// nameserver (a name from a zone's NameServers), so that it serves changes
// later than the others.
func (s *Server) SetNameserverDelay(nameserver string, d time.Duration) {
	s.mu.Lock()
	s.nsDelay[canonical(nameserver)] = d
	s.mu.Unlock()
}

// SetIdenticalCheck turns the 81058 check for identical records on or off
// (see WithoutIdenticalCheck).
func (s *Server) SetIdenticalCheck(on bool) {
	s.mu.Lock()
	s.identity = on
	s.mu.Unlock()
}

// DNSAddr returns the address (127.0.0.1:port, UDP and TCP) of the main
// authoritative DNS listener, which serves every zone with no extra delay.
func (s *Server) DNSAddr() string { return s.dnsMain.addr }

// NameserverAddrs maps every nameserver name of every zone to the loopback
// address of its listener, ready for dns.WithNameserverAddrs.
func (s *Server) NameserverAddrs() map[string]string {
	s.dnsMu.Lock()
	defer s.dnsMu.Unlock()
	out := make(map[string]string, len(s.dnsNS))
	for name, l := range s.dnsNS {
		out[name] = l.addr
	}
	return out
}

// ensureNSListener starts a listener for a nameserver name if it has none.
func (s *Server) ensureNSListener(name string) error {
	s.dnsMu.Lock()
	defer s.dnsMu.Unlock()
	if s.closed {
		return errors.New("simulator closed")
	}
	if _, ok := s.dnsNS[name]; ok {
		return nil
	}
	l, err := startDNS(s, s.cfg.host, name)
	if err != nil {
		return err
	}
	s.dnsNS[name] = l
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
