package s3test

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/assemblekit/assemble/sim"
)

// Default credentials of a server made without WithCredentials.
const (
	DefaultAccessKey = "S3TESTACCESSKEY00001"
	DefaultSecretKey = "s3test/secret/key/0000000000000000000001"
)

// Server is an in-process S3 server. It is an http.Handler too (Handler),
// for callers that serve it themselves.
type Server struct {
	knobs     *sim.Knobs
	handler   http.Handler
	accessKey string
	secretKey string
	account   string
	region    string
	now       func() time.Time

	mu sync.Mutex
	w  *world

	ln   net.Listener
	srv  *http.Server
	url  string
	once sync.Once
}

type config struct {
	addr      string
	accessKey string
	secretKey string
	region    string
	now       func() time.Time
}

// Option configures a Server.
type Option func(*config)

// WithAddr sets the listen address; it must be a loopback address
// ("127.0.0.1:0" by default, a free port).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithCredentials sets the server's own access key pair.
func WithCredentials(accessKey, secretKey string) Option {
	return func(c *config) { c.accessKey, c.secretKey = accessKey, secretKey }
}

// WithRegion makes the server insist that requests are signed for region, as
// a real S3 endpoint does, and gives new buckets that region by default.
// Without it any region is accepted and buckets default to "us-east-1".
func WithRegion(region string) Option { return func(c *config) { c.region = region } }

// WithClock sets the clock the server checks request dates and presigned
// expiry against.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// New starts a server on loopback and stops it when the test ends. It fails
// the test if the server can't start.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("start s3test server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server on loopback. Call Close to stop it.
func Start(opts ...Option) (*Server, error) {
	s := NewHandler(opts...)
	c := s.cfg(opts)
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return nil, fmt.Errorf("start s3test server: address %q: %w", c.addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("start s3test server: address %q is not a loopback address", c.addr)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("start s3test server: %w", err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// NewHandler returns a server that does not listen: serve Handler yourself.
// URL is empty until you tell clients where it is.
func NewHandler(opts ...Option) *Server {
	s := &Server{w: newWorld()}
	c := s.cfg(opts)
	s.accessKey, s.secretKey, s.region, s.now = c.accessKey, c.secretKey, c.region, c.now
	s.account = "owner-" + s.accessKey
	s.w.Creds[s.accessKey] = cred{Secret: s.secretKey, Account: s.account}
	s.knobs = sim.NewKnobs(faultWriter)
	s.handler = s.knobs.Wrap(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) cfg(opts []Option) config {
	c := config{addr: "127.0.0.1:0", accessKey: DefaultAccessKey, secretKey: DefaultSecretKey, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Close stops the server and closes every connection. It is safe to call
// more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		if s.srv != nil {
			// Close, not Shutdown: a client that opens connections ahead of
			// its requests (minio-go reading in parallel) leaves some unused,
			// and Shutdown waits for those as if they were busy.
			_ = s.srv.Close()
		}
	})
}

// URL is the server's endpoint, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// AccessKey is the server's own access key.
func (s *Server) AccessKey() string { return s.accessKey }

// SecretKey is the server's own secret key.
func (s *Server) SecretKey() string { return s.secretKey }

// Region is the region the server insists on, or "" when it accepts any.
func (s *Server) Region() string { return s.region }

// Knobs returns the server's latency, fault and request-log controls.
func (s *Server) Knobs() *sim.Knobs { return s.knobs }

// Handler returns the server's HTTP handler, knobs included.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) defaultRegion() string {
	if s.region != "" {
		return s.region
	}
	return "us-east-1"
}
