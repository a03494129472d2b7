// Package sandbox is assemble's embedded default world: every simulator
// started in-process on loopback, and providers wired to them, so a whole
// recipe runs — and can be re-run, planned and destroyed — without a cloud
// account or a network.
//
// A sandbox runs the Hetzner Cloud, Cloudflare, S3 and registry simulators,
// attaches a simulated Ubuntu host (buildertest) to every server the Hetzner
// simulator boots, and keeps secrets in a plain .kamal/secrets file store.
// Every address it hands out is on loopback, and its dialer refuses any
// other.
//
// Programs call Start and Close; tests call New, which closes on cleanup.
// With a directory, the simulated world is saved there on Close and loaded by
// the next Start, so a second run sees what the first made.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/server/robot/robottest"
	"github.com/assemblekit/assemble/storage/s3/s3test"
)

// Options configure a sandbox.
type Options struct {
	// Dir keeps the sandbox's state (SSH key, credentials, simulator state)
	// between runs. Empty: a temporary directory removed on Close.
	Dir string
	// AppDir is the app's directory, where the file secrets store writes
	// .kamal/secrets. Default: Dir/app.
	AppDir string
	// SSHKeyPath is the SSH key the sandbox's recipes log in with and its
	// simulated hosts accept, generated when missing; default
	// Dir/ssh/id_ed25519, never the user's ~/.ssh unless set so.
	SSHKeyPath string
	// DNS picks the DNS provider of Recipe and RecipeOn: "cloudflare" (the
	// default) or "hetzner" (Hetzner DNS in the Cloud API).
	DNS string
	// Zone is the DNS zone the Cloudflare simulator serves; "example.com"
	// by default.
	Zone string
	// ActionTime is how long a Hetzner action (server create, firewall
	// apply) takes; 300ms by default.
	ActionTime time.Duration
	// Logger receives the sandbox's and its providers' Debug logs.
	Logger *slog.Logger
	// Profile sets the simulators' latencies and the waits of a real run
	// (see Profile); the zero Profile adds none.
	Profile Profile
}

// Sandbox is a running simulated world.
type Sandbox struct {
	dir, appDir string
	keyPath     string
	dnsKind     string
	tempDir     bool
	zone        string
	logger      *slog.Logger
	creds       credentials

	// Hetzner simulates the Hetzner Cloud API.
	Hetzner *hetznertest.Server
	// Cloudflare simulates Cloudflare's zones and DNS API and answers DNS.
	Cloudflare *cloudflaretest.Server
	// S3 simulates S3 (Hetzner Object Storage).
	S3 *s3test.Server
	// Registry simulates a container registry with token auth.
	Registry *registrytest.Server

	profile   Profile
	bootDelay time.Duration // from create to SSH answering; 0 for servers loaded from Dir

	// robot is the Robot simulator, started on first use (see Robot).
	robot      *robottest.Robot
	actionTime time.Duration

	mu        sync.Mutex
	hosts     map[string]*buildertest.Host // by server IPv4
	sshUp     map[string]time.Time         // by server IPv4: when SSH answers
	savedHost map[string]hostState
	closed    bool
}

// Start starts the sandbox, loading the world saved in opts.Dir if any.
func Start(ctx context.Context, opts Options) (_ *Sandbox, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &Sandbox{dir: opts.Dir, zone: opts.Zone, logger: opts.Logger, profile: opts.Profile, hosts: map[string]*buildertest.Host{}}
	if s.zone == "" {
		s.zone = "example.com"
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "assemble-sandbox-")
		if err != nil {
			return nil, fmt.Errorf("start sandbox: %w", err)
		}
		s.dir, s.tempDir = d, true
	}
	s.dnsKind = opts.DNS
	if s.dnsKind != "" && s.dnsKind != "cloudflare" && s.dnsKind != "hetzner" {
		return nil, fmt.Errorf("start sandbox: DNS %q: use cloudflare or hetzner", s.dnsKind)
	}
	s.keyPath = opts.SSHKeyPath
	if s.keyPath == "" {
		s.keyPath = filepath.Join(s.dir, "ssh", "id_ed25519")
	}
	s.appDir = opts.AppDir
	if s.appDir == "" {
		s.appDir = filepath.Join(s.dir, "app")
	}
	for _, d := range []string{s.dir, s.appDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("start sandbox: %w", err)
		}
	}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	if s.creds, err = loadCredentials(s.path(credentialsFile)); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if err := s.startWorld(opts); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	return s, nil
}

// New starts a sandbox for a test and closes it when the test ends. Its
// directory is the test's temporary directory unless opts say otherwise.
func New(t testing.TB, opts ...Options) *Sandbox {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	s, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Dir returns the directory holding the sandbox's state.
func (s *Sandbox) Dir() string { return s.dir }

// AppDir returns the app directory the file secrets store writes to.
func (s *Sandbox) AppDir() string { return s.appDir }

// Zone returns the DNS zone the sandbox serves.
func (s *Sandbox) Zone() string { return s.zone }

// Close saves the world in Dir (a temporary Dir is removed instead) and
// stops every simulator and simulated host.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	var err error
	if !s.tempDir {
		err = s.save()
	}
	s.stop()
	if s.tempDir {
		err = errors.Join(err, os.RemoveAll(s.dir))
	}
	return err
}

func (s *Sandbox) stop() {
	s.mu.Lock()
	hosts := s.hosts
	s.hosts = map[string]*buildertest.Host{}
	s.mu.Unlock()
	for _, h := range hosts {
		h.Close()
	}
	if s.Hetzner != nil {
		_ = s.Hetzner.Close()
	}
	if s.Cloudflare != nil {
		s.Cloudflare.Close()
	}
	if s.S3 != nil {
		s.S3.Close()
	}
	if s.Registry != nil {
		s.Registry.Close()
	}
	if s.robot != nil {
		s.robot.Close()
	}
}
