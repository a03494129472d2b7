package buildertest

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Host is a simulated Ubuntu 24.04 machine reachable over SSH on loopback.
// It is safe for concurrent use.
type Host struct {
	ln      net.Listener
	hostKey ssh.Signer
	client  ssh.Signer
	srv     *ssh.ServerConfig

	mu           sync.Mutex
	authorized   map[string]bool // marshalled public keys
	arch         string
	memory       int64
	disk         int64
	docker       bool
	dockerAtBoot bool
	users        map[string]*user
	files        map[string]file
	log          []Command
	faults       []*armedFault
	latency      time.Duration
	conns        map[net.Conn]bool
	accepted     int
	closed       bool

	wg sync.WaitGroup
}

type user struct {
	name   string
	uid    int
	sudo   bool
	groups []string
}

type file struct {
	content string
	mode    uint32
}

// Command is one command the host received.
type Command struct {
	User string
	Cmd  string
	// Exit is the exit status (-1 while running or when the connection was
	// dropped).
	Exit int
	// Mutating is true for commands that change the host: file writes and
	// removals, package installs, group changes, docker prune.
	Mutating bool
}

// New starts a simulated host and closes it when the test ends. It fails
// the test if the host cannot start.
func New(t testing.TB, opts ...Option) *Host {
	t.Helper()
	h, err := Start(opts...)
	if err != nil {
		t.Fatalf("start simulated host: %v", err)
	}
	t.Cleanup(h.Close)
	return h
}

// Start starts a simulated host; Close it when done.
func Start(opts ...Option) (*Host, error) {
	c := defaults()
	for _, o := range opts {
		o(&c)
	}
	host, _, err := net.SplitHostPort(c.listen)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", c.listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen address %q: only loopback addresses are allowed", c.listen)
	}
	h := &Host{
		hostKey:      c.hostKey,
		authorized:   map[string]bool{},
		arch:         c.arch,
		memory:       c.memory,
		disk:         c.disk,
		docker:       c.docker,
		dockerAtBoot: c.dockerAtBoot,
		users:        map[string]*user{"root": {name: "root", uid: 0, groups: []string{"root"}}},
		files:        map[string]file{},
		conns:        map[net.Conn]bool{},
	}
	uid := 1000
	names := make([]string, 0, len(c.users))
	for n := range c.users {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		groups := []string{n}
		if c.users[n] {
			groups = append(groups, "sudo")
		}
		h.users[n] = &user{name: n, uid: uid, sudo: c.users[n], groups: groups}
		uid++
	}
	if h.hostKey == nil {
		s, err := newSigner()
		if err != nil {
			return nil, err
		}
		h.hostKey = s
	}
	cs, err := newSigner()
	if err != nil {
		return nil, err
	}
	h.client = cs
	h.authorized[string(cs.PublicKey().Marshal())] = true
	for _, k := range c.authorized {
		h.authorized[string(k.Marshal())] = true
	}
	for _, f := range c.faults {
		h.Inject(f)
	}
	h.srv = &ssh.ServerConfig{
		PublicKeyCallback: h.checkKey,
		ServerVersion:     "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13",
	}
	h.srv.AddHostKey(h.hostKey)

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.listen, err)
	}
	h.ln = ln
	h.wg.Add(1)
	go h.serve()
	return h, nil
}

func newSigner() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

// Addr returns the host:port the SSH server listens on.
func (h *Host) Addr() string { return h.ln.Addr().String() }

// HostKey returns the host's public key, for pinning.
func (h *Host) HostKey() ssh.PublicKey { return h.hostKey.PublicKey() }

// ClientSigner returns a private key authorized for every user of the host.
func (h *Host) ClientSigner() ssh.Signer { return h.client }

// Connections returns how many TCP connections the host has accepted.
func (h *Host) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.accepted
}

// Close stops the server and cuts every connection. It is idempotent.
func (h *Host) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	for c := range h.conns {
		_ = c.Close()
	}
	h.mu.Unlock()
	_ = h.ln.Close()
	h.wg.Wait()
}

// Commands returns the command lines received, oldest first.
func (h *Host) Commands() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, len(h.log))
	for i, c := range h.log {
		out[i] = c.Cmd
	}
	return out
}

// Log returns every command received with its user, exit status and
// whether it mutates the host.
func (h *Host) Log() []Command {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Command(nil), h.log...)
}

// Mark returns a position in the command log for Since.
func (h *Host) Mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.log)
}

// Since returns the commands received after mark.
func (h *Host) Since(mark int) []Command {
	h.mu.Lock()
	defer h.mu.Unlock()
	if mark > len(h.log) {
		return nil
	}
	return append([]Command(nil), h.log[mark:]...)
}

// Mutating returns the mutating commands received, oldest first.
func (h *Host) Mutating() []string {
	var out []string
	for _, c := range h.Log() {
		if c.Mutating {
			out = append(out, c.Cmd)
		}
	}
	return out
}

// ResetLog empties the command log.
func (h *Host) ResetLog() {
	h.mu.Lock()
	h.log = nil
	h.mu.Unlock()
}

// Inject arms a fault. Faults are tried in order; the first match fires.
func (h *Host) Inject(f Fault) {
	n := f.Times
	if n == 0 {
		n = 1
	}
	h.mu.Lock()
	h.faults = append(h.faults, &armedFault{Fault: f, left: n})
	h.mu.Unlock()
}

// Fail makes the next command containing match exit with code and print
// stderr, without running it.
func (h *Host) Fail(match string, code int, stderr string) {
	h.Inject(Fault{Match: match, Code: code, Stderr: stderr})
}

// DropAfter makes the next command containing match run, then cuts the
// connection before its exit status is sent.
func (h *Host) DropAfter(match string) { h.Inject(Fault{Match: match, Drop: true}) }

// SetLatency delays every command by d before it runs.
func (h *Host) SetLatency(d time.Duration) {
	h.mu.Lock()
	h.latency = d
	h.mu.Unlock()
}

// CronFiles returns the files in /etc/cron.d by name (without directory).
func (h *Host) CronFiles() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	for p, f := range h.files {
		if name, ok := strings.CutPrefix(p, cronDir); ok {
			out[name] = f.content
		}
	}
	return out
}

// FileMode returns the permission bits of a file and whether it exists.
func (h *Host) FileMode(path string) (uint32, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.files[path]
	return f.mode, ok
}

// WriteFile puts a file on the host, as if someone had written it there.
func (h *Host) WriteFile(path, content string, mode uint32) {
	h.mu.Lock()
	h.files[path] = file{content: content, mode: mode}
	h.mu.Unlock()
}

// DockerInstalled reports whether Docker is installed.
func (h *Host) DockerInstalled() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.docker
}

// Groups returns a user's groups (nil for an unknown user).
func (h *Host) Groups(name string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u := h.users[name]; u != nil {
		return append([]string(nil), u.groups...)
	}
	return nil
}

func (h *Host) checkKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users[meta.User()] == nil || !h.authorized[string(key.Marshal())] {
		return nil, fmt.Errorf("key not authorized for %s", meta.User())
	}
	return &ssh.Permissions{}, nil
}
