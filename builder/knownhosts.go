package builder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/ensure"
)

// KnownHostsLine returns the known_hosts line for addr (host:port) and key,
// as OpenSSH writes it: "host keytype base64", or "[host]:port …" when the
// port isn't 22.
func KnownHostsLine(addr string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
}

// knownHostsChange works out what writing line for addr into the file at
// path would do: nothing when the line is there, replace lines that name the
// same host with another key of the same type (a rebuilt server), or append.
// It returns the new content and the op.
func knownHostsChange(path, addr string, key ssh.PublicKey) ([]byte, ensure.Op, error) {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, "", fmt.Errorf("read known_hosts %s: %w", path, err)
	}
	host := knownhosts.Normalize(addr)
	want := KnownHostsLine(addr, key)
	var out []string
	found, replaced := false, false
	lines := strings.Split(string(old), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		hosts, k, ok := parseKnownHostsLine(line)
		if !ok || !contains(hosts, host) || k.Type() != key.Type() {
			out = append(out, line)
			continue
		}
		if bytes.Equal(k.Marshal(), key.Marshal()) {
			if !found {
				out = append(out, line)
			}
			found = true
			continue
		}
		// Same host, same key type, another key: the server was rebuilt
		// and ssh would refuse it. Drop the stale line.
		replaced = true
	}
	switch {
	case found && !replaced:
		return old, ensure.Unchanged, nil
	case !found:
		out = append(out, want)
	}
	op := ensure.Updated
	if len(old) == 0 {
		op = ensure.Created
	}
	return []byte(strings.Join(out, "\n") + "\n"), op, nil
}

// parseKnownHostsLine returns the host patterns and key of a plain
// known_hosts line; hashed (|1|…), marker (@cert-authority, @revoked) and
// comment lines are reported as not ok and kept untouched.
func parseKnownHostsLine(line string) ([]string, ssh.PublicKey, bool) {
	t := strings.TrimSpace(line)
	if t == "" || t[0] == '#' || t[0] == '@' || t[0] == '|' {
		return nil, nil, false
	}
	hosts, rest, ok := strings.Cut(t, " ")
	if !ok {
		return nil, nil, false
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
	if err != nil {
		return nil, nil, false
	}
	return strings.Split(hosts, ","), key, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeKnownHosts replaces the file atomically, keeping its mode (0600 for a
// new file) and creating its directory (0700) if needed.
func writeKnownHosts(path string, content []byte) error {
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write known_hosts %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".known_hosts-*")
	if err != nil {
		return fmt.Errorf("write known_hosts %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(content); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write known_hosts %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write known_hosts %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write known_hosts %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write known_hosts %s: %w", path, err)
	}
	return nil
}

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
