package builder

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/knownhosts"
)

// KnownHostsLine returns the known_hosts line for addr (host:port) and key,
// as OpenSSH writes it: "host keytype base64", or "[host]:port …" when the
// port isn't 22.
func KnownHostsLine(addr string, key ssh.PublicKey) string { return knownhosts.Line(addr, key) }

// knownHostsChange works out what writing addr's key into the file at path
// would do (see internal/knownhosts.Change) and returns the new content.
func knownHostsChange(path, addr string, key ssh.PublicKey) ([]byte, ensure.Op, error) {
	return knownhosts.Plan(path, addr, key)
}

// writeKnownHosts replaces the file atomically, keeping its mode.
func writeKnownHosts(path string, content []byte) error { return knownhosts.WriteFile(path, content) }

func expandHome(path string, o *options) (string, error) {
	rest, ok := strings.CutPrefix(path, "~/")
	if !ok {
		return path, nil
	}
	home := o.home
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expand %s: %w", path, err)
		}
		home = h
	}
	return filepath.Join(home, rest), nil
}
