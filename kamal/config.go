package kamal

// Config is the part of a Kamal configuration assemble owns. Empty fields
// are left out (and left alone in an existing file).
type Config struct {
	// Service is Kamal's service name ([a-z0-9_-]+).
	Service string
	// Image is the image repository without the registry host, e.g.
	// "me/shop"; Kamal prefixes registry.server.
	Image string
	// Servers maps a role to its hosts; "web" is the primary role.
	Servers map[string][]string
	// Proxy is the web role's proxy; nil leaves proxy alone.
	Proxy *Proxy
	// Registry is the registry login; nil leaves registry alone.
	Registry *Registry
	// Builder is the builder section; nil leaves builder alone.
	Builder *Builder
	// SSH is the ssh section; nil leaves ssh alone.
	SSH *SSH
	// Env holds the app's environment.
	Env Env
}

// Proxy is kamal-proxy's configuration for the app.
type Proxy struct {
	Host string
	// SSL asks kamal-proxy for a Let's Encrypt certificate; needs Host.
	SSL bool
	// AppPort is the port the app listens on in its container; 0 leaves it
	// out (Kamal's default is 80).
	AppPort int
}

// Registry is the registry login. Password is the *name* of a secret in
// .kamal/secrets, never a value.
type Registry struct {
	// Server is the registry host; empty means Docker Hub.
	Server   string
	Username string
	// PasswordSecret names the secret holding the password, usually
	// KAMAL_REGISTRY_PASSWORD. Empty only for a localhost registry.
	PasswordSecret string
}

// Builder is the builder section.
type Builder struct {
	// Arch is "amd64" or "arm64"; Kamal requires it.
	Arch string
	// Remote is the remote builder, "ssh://user@host[:port]".
	Remote string
	// Local false means never build on the user's machine; nil leaves it out.
	Local *bool
}

// SSH is the ssh section.
type SSH struct {
	// User is the login user; "root" (Kamal's default) is written anyway so
	// the file says what was set up.
	User string
	// Port is written when it isn't 22.
	Port int
}

// Env is the app's environment: clear values and the names of secrets.
type Env struct {
	Clear  map[string]string
	Secret []string
}
