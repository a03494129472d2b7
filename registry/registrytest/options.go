package registrytest

// AuthMode is how the simulated registry authenticates clients.
type AuthMode int

// The authentication modes.
const (
	// Basic is HTTP Basic on every request, as a Distribution registry with
	// an htpasswd file does.
	Basic AuthMode = iota
	// Bearer is the token flow of Docker Hub and ghcr.io: a 401 challenge
	// naming a token endpoint, Basic credentials exchanged there for a token
	// that carries the granted scopes.
	Bearer
)

// String names the mode.
func (m AuthMode) String() string {
	if m == Bearer {
		return "bearer"
	}
	return "basic"
}

// Option configures a Server.
type Option func(*config)

type config struct {
	addr       string
	mode       AuthMode
	service    string
	denyStatus int
	readOnly   bool
	realm      string
	opaque     bool
}

func defaults() config {
	return config{addr: "127.0.0.1:0", mode: Basic, service: "registrytest", denyStatus: 403}
}

// WithAddr sets the listen address, which must be a loopback address with a
// port ("127.0.0.2:0" for a distinct host on a random port). The default is
// "127.0.0.1:0".
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithAuth selects the authentication mode; Basic is the default.
func WithAuth(m AuthMode) Option { return func(c *config) { c.mode = m } }

// WithBearer is WithAuth(Bearer).
func WithBearer() Option { return WithAuth(Bearer) }

// WithService sets the service name the Bearer challenge and token endpoint
// use ("registry.docker.io" on Docker Hub); "registrytest" by default.
func WithService(name string) Option { return func(c *config) { c.service = name } }

// WithDenyUnauthorized makes a request whose credentials lack the needed
// scope fail with 401 UNAUTHORIZED and a challenge carrying
// error="insufficient_scope", as Docker Hub and Distribution's token auth
// answer, instead of 403 DENIED as ghcr.io and quay.io answer.
func WithDenyUnauthorized() Option { return func(c *config) { c.denyStatus = 401 } }

// WithReadOnly makes the registry refuse every write with 405 Method Not
// Allowed, as a Distribution registry in read-only maintenance mode does.
func WithReadOnly() Option { return func(c *config) { c.readOnly = true } }

// WithRealm sets the token endpoint URL the Bearer challenge names (by
// default Realm(): this server's /token). Tests that reach the simulator
// under a public registry's name through Transport set the vendor's own,
// "https://auth.docker.io/token" or "https://ghcr.io/token"; the simulator
// answers at the realm's path whatever the host.
func WithRealm(url string) Option { return func(c *config) { c.realm = url } }

// WithOpaqueTokens makes the token endpoint issue tokens that say nothing
// about what they grant (a base64 string, as ghcr.io's are) instead of JWTs
// whose "access" claim lists the granted actions, as Distribution's token
// servers — Docker Hub's, GitLab's, Harbor's, quay.io's — issue. A client
// must then try an operation to learn whether it is allowed.
func WithOpaqueTokens() Option { return func(c *config) { c.opaque = true } }
