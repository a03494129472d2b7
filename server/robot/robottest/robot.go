package robottest

import (
	"crypto/ed25519"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/assemblekit/assemble/sim"
)

// Default credentials of a simulator built without WithCredentials.
const (
	DefaultUser     = "#ws+sim"
	DefaultPassword = "robot-sim-password"
)

// Robot is a simulated Robot webservice. It is an http.Handler; Start serves
// it on loopback. It is safe for concurrent use.
type Robot struct {
	user, password string
	addr           string
	addresses      func(number int) (netip.Addr, netip.Prefix)

	knobs   *sim.Knobs
	handler http.Handler
	mux     *http.ServeMux

	mu           sync.Mutex
	now          func() time.Time
	applyDelay   time.Duration
	orderDelay   time.Duration
	blockAfter   int
	blockFor     time.Duration
	logins       map[string]*loginState
	limits       []*rateLimit
	ordersClosed bool
	st           *state

	srv *httptest.Server
}

// Option configures a Robot.
type Option func(*Robot)

// WithCredentials sets the webservice user and password the simulator
// accepts.
func WithCredentials(user, password string) Option {
	return func(r *Robot) { r.user, r.password = user, password }
}

// WithAddr makes Start listen on addr, which must be a loopback address such
// as "127.0.0.2:0". The default is "127.0.0.1:0".
func WithAddr(addr string) Option { return func(r *Robot) { r.addr = addr } }

// WithFirewallApplyDelay sets how long a firewall change stays "in process"
// before it is "active" (the real service takes 20–30 s). The default is
// zero: the POST answers "in process" and the next GET sees the result.
func WithFirewallApplyDelay(d time.Duration) Option {
	return func(r *Robot) { r.applyDelay = d }
}

// WithOrderDelay sets how long an order transaction stays "in process"
// before it is "ready" and its server exists. The default is zero.
func WithOrderDelay(d time.Duration) Option { return func(r *Robot) { r.orderDelay = d } }

// WithLoginBlock sets how many failed logins from one address block it, and
// for how long. The default is Robot's: 3 failures, 10 minutes.
func WithLoginBlock(failures int, d time.Duration) Option {
	return func(r *Robot) { r.blockAfter, r.blockFor = failures, d }
}

// WithAddresses chooses the addresses of servers the simulator creates for
// orders (and of AddServer servers given none): ipv4 may be the zero Addr.
// Handing out 127.0.0.x addresses lets a harness run a real SSH server for
// each simulated one.
func WithAddresses(f func(number int) (ipv4 netip.Addr, ipv6 netip.Prefix)) Option {
	return func(r *Robot) { r.addresses = f }
}

// WithClock replaces time.Now, for tests that step time by hand.
func WithClock(now func() time.Time) Option { return func(r *Robot) { r.now = now } }

// NewHandler returns a simulator that is not listening; serve it yourself or
// call Start.
func NewHandler(opts ...Option) *Robot {
	r := &Robot{
		user:       DefaultUser,
		password:   DefaultPassword,
		addr:       "127.0.0.1:0",
		now:        time.Now,
		blockAfter: 3,
		blockFor:   10 * time.Minute,
		logins:     map[string]*loginState{},
		st:         newState(),
	}
	r.addresses = defaultAddresses
	r.limits = defaultLimits()
	for _, o := range opts {
		o(r)
	}
	r.mux = r.routes()
	r.knobs = sim.NewKnobs(writeFault)
	r.handler = r.knobs.Wrap(http.HandlerFunc(r.serve))
	return r
}

// New starts a simulator on loopback and closes it when t ends.
func New(t testing.TB, opts ...Option) *Robot {
	t.Helper()
	r := NewHandler(opts...)
	if err := r.Start(); err != nil {
		t.Fatalf("start robot simulator: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// Start serves the simulator on its loopback address.
func (r *Robot) Start() error {
	host, _, err := net.SplitHostPort(r.addr)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return errors.New("robottest: listen address must be a loopback IP, got " + r.addr)
	}
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		return err
	}
	srv := httptest.NewUnstartedServer(r.handler)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	return nil
}

// Close stops serving. It is safe to call more than once.
func (r *Robot) Close() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// URL returns the base URL, such as "http://127.0.0.1:41234"; empty before
// Start.
func (r *Robot) URL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv == nil {
		return ""
	}
	return r.srv.URL
}

// User returns the webservice user the simulator accepts.
func (r *Robot) User() string { return r.user }

// Password returns the webservice password the simulator accepts.
func (r *Robot) Password() string { return r.password }

// Knobs returns the latency, fault-injection and request-log controls.
func (r *Robot) Knobs() *sim.Knobs { return r.knobs }

// ServeHTTP implements http.Handler.
func (r *Robot) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.handler.ServeHTTP(w, req) }

// SetOrdersEnabled turns server ordering on or off for the account; Robot
// requires it to be enabled in the web interface first. It is on by default.
func (r *Robot) SetOrdersEnabled(on bool) {
	r.mu.Lock()
	r.ordersClosed = !on
	r.mu.Unlock()
}

func defaultAddresses(n int) (netip.Addr, netip.Prefix) {
	v4 := netip.AddrFrom4([4]byte{203, 0, 113, byte(n % 250)})
	var a [16]byte
	a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
	a[4], a[5] = byte(n>>8), byte(n)
	return v4, netip.PrefixFrom(netip.AddrFrom16(a), 64)
}

func newHostKey() ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return k
}
