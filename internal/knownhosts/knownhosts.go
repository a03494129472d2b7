// Package knownhosts keeps one host's line in an OpenSSH known_hosts file:
// added when missing, a stale key of the same type replaced (a rebuilt
// server), every other line — other hosts, other key types, hashed entries,
// markers, comments — kept as it is. The server and builder packages both
// write known_hosts through it.
package knownhosts

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/ensure"
)

// Line returns the known_hosts line for addr (host:port) and key as OpenSSH
// writes it: "host keytype base64", or "[host]:port keytype base64" when the
// port isn't 22.
func Line(addr string, key ssh.PublicKey) string {
	return xknownhosts.Line([]string{xknownhosts.Normalize(addr)}, key)
}

// Change returns the content a known_hosts file holding old should have so
// that addr is known with key, and what that change is: Unchanged when the
// line is there already, Created when old is empty, Updated otherwise.
func Change(old []byte, addr string, key ssh.PublicKey) ([]byte, ensure.Op) {
	host := xknownhosts.Normalize(addr)
	var out []string
	found, replaced := false, false
	lines := strings.Split(string(old), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		hosts, k, ok := parse(line)
		if !ok || !contains(hosts, host) || k.Type() != key.Type() {
			out = append(out, line)
			continue
		}
		if bytes.Equal(k.Marshal(), key.Marshal()) {
			if !found {
				out = append(out, line)
			} else {
				replaced = true // a duplicate: dropped
			}
			found = true
			continue
		}
		// Same host and key type, another key: ssh would refuse the host.
		replaced = true
	}
	switch {
	case found && !replaced:
		return old, ensure.Unchanged
	case !found:
		out = append(out, Line(addr, key))
	}
	op := ensure.Updated
	if len(old) == 0 {
		op = ensure.Created
	}
	return []byte(strings.Join(out, "\n") + "\n"), op
}

// Plan reads the file at path and returns what Write would write and do.
func Plan(path, addr string, key ssh.PublicKey) ([]byte, ensure.Op, error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("read known_hosts %s: %w", path, err)
	}
	content, op := Change(old, addr, key)
	return content, op, nil
}

// Write makes the known_hosts file at path know addr with key (see Change)
// and reports what it did. The directory is created 0700 and a new file
// 0600, as ssh expects; an existing file keeps its mode.
func Write(path, addr string, key ssh.PublicKey) (ensure.Op, error) {
	content, op, err := Plan(path, addr, key)
	if err != nil || op == ensure.Unchanged {
		return op, err
	}
	return op, WriteFile(path, content)
}

// WriteFile replaces the file at path atomically with content, keeping its
// mode (0600 for a new file) and creating its directory (0700) if needed.
func WriteFile(path string, content []byte) error {
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

// parse returns the host patterns and key of a plain known_hosts line;
// hashed (|1|…), marker (@cert-authority, @revoked) and comment lines are
// not ok, and are kept untouched.
func parse(line string) ([]string, ssh.PublicKey, bool) {
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
