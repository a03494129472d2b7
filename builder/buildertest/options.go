package buildertest

import (
	"golang.org/x/crypto/ssh"
)

// Option configures a simulated host.
type Option func(*config)

type config struct {
	listen       string
	hostKey      ssh.Signer
	authorized   []ssh.PublicKey
	arch         string
	memory       int64
	disk         int64
	docker       bool
	dockerAtBoot bool
	users        map[string]bool // name → passwordless sudo
	faults       []Fault
}

func defaults() config {
	return config{
		listen: "127.0.0.1:0",
		arch:   "amd64",
		memory: 16 << 30,
		disk:   100 << 30,
		docker: true,
		users:  map[string]bool{},
	}
}

// ListenAddr makes the host listen on addr (default 127.0.0.1:0). Give each
// simulated host its own loopback address (127.0.0.2:0, …) to tell them
// apart. Only loopback addresses are accepted.
func ListenAddr(addr string) Option { return func(c *config) { c.listen = addr } }

// HostKey sets the host's private key; the sandbox passes the key it put in
// the server's cloud-init user data. A fresh ed25519 key by default.
func HostKey(s ssh.Signer) Option { return func(c *config) { c.hostKey = s } }

// AuthorizedKeys adds keys that may log in as any user of the host. The
// host's own ClientSigner is always authorized.
func AuthorizedKeys(keys ...ssh.PublicKey) Option {
	return func(c *config) { c.authorized = append(c.authorized, keys...) }
}

// Arch sets the CPU architecture: "amd64" (uname -m says x86_64, the
// default), "arm64" (aarch64), or any raw uname -m string.
func Arch(a string) Option { return func(c *config) { c.arch = a } }

// Memory sets MemTotal in bytes (default 16 GiB).
func Memory(bytes int64) Option { return func(c *config) { c.memory = bytes } }

// DiskFree sets the free bytes df reports for /var/lib (default 100 GiB).
func DiskFree(bytes int64) Option { return func(c *config) { c.disk = bytes } }

// WithoutDocker starts the host without Docker, like a fresh Ubuntu image.
func WithoutDocker() Option { return func(c *config) { c.docker = false } }

// DockerAtBoot starts the host without Docker but with cloud-init still
// installing it: Docker appears when "cloud-init status --wait" returns.
func DockerAtBoot() Option {
	return func(c *config) { c.docker, c.dockerAtBoot = false, true }
}

// User adds a non-root login user; sudo says whether it has passwordless
// sudo. root always exists.
func User(name string, sudo bool) Option { return func(c *config) { c.users[name] = sudo } }

// FailCommand arms a fault from the start; see Host.Fail.
func FailCommand(f Fault) Option { return func(c *config) { c.faults = append(c.faults, f) } }
