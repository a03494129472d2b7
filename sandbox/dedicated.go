package sandbox

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
	"github.com/assemblekit/assemble/server/static"
	"github.com/assemblekit/assemble/sshkey"
)

// The files the Robot simulator and the static host keep their state in.
const (
	robotFile         = "robot.json"
	staticHostKeyFile = "static_host_ed25519"
)

// dedicatedMemory is what a simulated dedicated server has (an AX41: 64 GB).
const dedicatedMemory = 64 << 30

// staticIP is the address of the sandbox's "host you already have".
var staticIP = netip.MustParseAddr("127.0.2.1")

// Robot returns the Hetzner Robot simulator, started on first use. Its
// dedicated servers get addresses 127.0.3.N, each with a simulated host
// behind it (without Docker: a dedicated server is installed plain).
func (s *Sandbox) Robot() (*robottest.Robot, error) {
	s.mu.Lock()
	r := s.robot
	s.mu.Unlock()
	if r != nil {
		return r, nil
	}
	// The simulated hosts accept the sandbox's key: make sure it exists.
	if err := s.ensureKey(); err != nil {
		return nil, err
	}
	r = robottest.NewHandler(
		robottest.WithCredentials(s.creds.RobotUser, s.creds.RobotPassword),
		robottest.WithFirewallApplyDelay(s.actionTime),
		robottest.WithAddresses(func(n int) (netip.Addr, netip.Prefix) {
			return netip.AddrFrom4([4]byte{127, 0, 3, byte(n % 250)}), netip.MustParsePrefix(fmt.Sprintf("2001:db8:3:%x::/64", n%0xffff))
		}),
	)
	if _, err := os.Stat(s.path(robotFile)); err == nil {
		if err := r.Load(s.path(robotFile)); err != nil {
			return nil, err
		}
	}
	if err := r.Start(); err != nil {
		return nil, err
	}
	for _, srv := range r.Servers() {
		if err := s.attachHost(srv.Name, srv.IPv4, r.HostKey(srv.Number), "amd64", dedicatedMemory, false); err != nil {
			r.Close()
			return nil, err
		}
	}
	s.mu.Lock()
	s.robot = r
	s.mu.Unlock()
	return r, nil
}

// RobotProvider returns a Robot provider for the dedicated server named
// name, wired to the Robot simulator; the server is put into the simulated
// account (as if bought earlier) when it isn't there. Its host key is pinned
// from the simulator, as you would pin it from the rescue system's console.
func (s *Sandbox) RobotProvider(name string, opts ...robot.Option) (*robot.Provider, error) {
	r, err := s.Robot()
	if err != nil {
		return nil, err
	}
	var number int
	for _, srv := range r.Servers() {
		if srv.Name == name {
			number = srv.Number
		}
	}
	if number == 0 {
		srv := r.AddServer(robottest.Server{Name: name})
		number = srv.Number
		if err := s.attachHost(name, srv.IPv4, r.HostKey(number), "amd64", dedicatedMemory, false); err != nil {
			return nil, err
		}
	}
	base := []robot.Option{
		robot.WithEndpoint(r.URL()),
		robot.WithLogger(s.logger),
		robot.WithDialer(s.Dial),
		robot.WithPinnedHostKey(r.HostKey(number).PublicKey()),
		robot.WithPollInterval(pollMin, pollMax),
	}
	return robot.New(r.User(), secret.New(r.Password()), append(base, opts...)...), nil
}

// StaticProvider returns a provider for the sandbox's "host you already
// have": a simulated Ubuntu host at 127.0.2.1:22 (without Docker), whose
// host key is kept in the sandbox's directory and pinned, logged into with
// the sandbox's SSH key (generated now if it doesn't exist yet).
func (s *Sandbox) StaticProvider(opts ...static.Option) (*static.Provider, error) {
	hostKey, err := s.staticHostKey()
	if err != nil {
		return nil, err
	}
	if s.Host(staticIP) == nil {
		if err := s.ensureKey(); err != nil {
			return nil, err
		}
		if err := s.attachHost("static", staticIP, hostKey, "amd64", 16<<30, false); err != nil {
			return nil, err
		}
	}
	key, err := sshkey.Load(s.SSHKey().Path, s.SSHKey().Passphrase)
	if err != nil {
		return nil, err
	}
	base := []static.Option{
		static.WithHostKey(hostKey.PublicKey()),
		static.WithSigner(key.Signer()),
		static.WithDialer(s.Dial),
		static.WithLogger(s.logger),
	}
	return static.New(staticIP.String()+":22", append(base, opts...)...), nil
}

// ensureKey makes sure the sandbox's SSH key exists, for hosts started
// before the recipe's key step runs.
func (s *Sandbox) ensureKey() error {
	_, err := sshkey.Load(s.SSHKey().Path, s.SSHKey().Passphrase)
	if err == nil {
		return nil
	}
	_, _, err = sshkey.Ensure(context.Background(), s.SSHKey())
	return err
}

// staticHostKey loads the static host's key from the sandbox directory, or
// makes it.
func (s *Sandbox) staticHostKey() (ssh.Signer, error) {
	p := s.path(staticHostKeyFile)
	b, err := os.ReadFile(p)
	if err == nil {
		return ssh.ParsePrivateKey(b)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "sandbox static host")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}
