package robot_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
)

// hosts stands in for the simulated servers' SSH daemons: its Dial serves
// an SSH handshake over a private loopback connection with the host key the simulator holds for
// the server at the dialed address. The simulated address itself is never
// dialed.
type hosts struct {
	sim *robottest.Robot

	mu     sync.Mutex
	dialed []string
	down   bool
	key    ssh.Signer // overrides the simulator's host key when set
}

func (h *hosts) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	h.mu.Lock()
	h.dialed = append(h.dialed, addr)
	down, override := h.down, h.key
	h.mu.Unlock()
	if down {
		return nil, fmt.Errorf("dial %s: connection refused (simulated)", addr)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil, err
	}
	signer := override
	if signer == nil {
		for _, s := range h.sim.Servers() {
			if s.IPv4 == ip || s.IPv6.Contains(ip) {
				signer = h.sim.HostKey(s.Number)
			}
		}
	}
	if signer == nil {
		return nil, fmt.Errorf("dial %s: no route to host (simulated)", addr)
	}
	// A loopback connection pair: net.Pipe is unbuffered, and both SSH
	// sides write their version line first.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	client, err := (&net.Dialer{}).DialContext(ctx, "tcp", l.Addr().String())
	if err != nil {
		return nil, err
	}
	srv, err := l.Accept()
	if err != nil {
		client.Close()
		return nil, err
	}
	go func() {
		defer srv.Close()
		cfg := &ssh.ServerConfig{PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) {
			return nil, fmt.Errorf("no")
		}}
		cfg.AddHostKey(signer)
		_, _, _, _ = ssh.NewServerConn(srv, cfg)
	}()
	return client, nil
}

func (h *hosts) Dialed() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.dialed...)
}

func newKey(t testing.TB) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newSigner(t testing.TB) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// acceptAll is a host key callback that accepts and records each key shown.
type acceptAll struct {
	mu   sync.Mutex
	keys []ssh.PublicKey
}

func (a *acceptAll) cb(_ string, _ net.Addr, key ssh.PublicKey) error {
	a.mu.Lock()
	a.keys = append(a.keys, key)
	a.mu.Unlock()
	return nil
}

type env struct {
	sim  *robottest.Robot
	h    *hosts
	logs *bytes.Buffer
	ctx  context.Context
}

func newEnv(t *testing.T, opts ...robottest.Option) *env {
	t.Helper()
	sim := robottest.New(t, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return &env{sim: sim, h: &hosts{sim: sim}, logs: &bytes.Buffer{}, ctx: ctx}
}

// provider returns a provider wired to the simulator, with fast polls and
// debug logging into e.logs.
func (e *env) provider(opts ...robot.Option) *robot.Provider {
	base := []robot.Option{
		robot.WithEndpoint(e.sim.URL()),
		robot.WithDialer(e.h.Dial),
		robot.WithPollInterval(5*time.Millisecond, 20*time.Millisecond),
		robot.WithRetry(3, time.Millisecond),
		robot.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	return robot.New(e.sim.User(), secret.New(e.sim.Password()), append(base, opts...)...)
}

func spec(t testing.TB, name string) server.Spec {
	return server.Spec{Name: name, SSHKey: newKey(t), Owner: "shop"}
}

type netipPrefix = netip.Prefix
type netAddr = net.Addr

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

func mustSigner() ssh.Signer {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		panic(err)
	}
	return s
}
