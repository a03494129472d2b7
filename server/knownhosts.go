package server

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// WriteKnownHosts makes the known_hosts file at path hold exactly one line
// for s's address, with s's host key. Other lines are kept as they are; a
// stale line for the same address (a host key that changed) is replaced. It
// is idempotent: Created when the file did not exist, Updated when a line was
// added or replaced, Unchanged otherwise. The parent directory is created
// 0700 and a new file 0600, as ssh expects; an existing file keeps its mode.
func WriteKnownHosts(path string, s *Server) (ensure.Op, error) {
	line := s.KnownHostsLine()
	if line == "" {
		return "", fmt.Errorf("write known_hosts %s: server %q has no verified host key", path, s.Name)
	}
	addr := s.knownHostsAddr()
	old, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	var out []string
	found := false
	for _, l := range strings.SplitAfter(string(old), "\n") {
		if l == "" {
			continue
		}
		t := strings.TrimRight(l, "\r\n")
		if hostsMatch(t, addr) {
			if !found && t == line {
				out = append(out, t)
				found = true
			}
			continue // a stale or duplicate line for this address
		}
		out = append(out, t)
	}
	if !found {
		out = append(out, line)
	}
	data := []byte(strings.Join(out, "\n") + "\n")
	if exists && bytes.Equal(data, old) {
		return ensure.Unchanged, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".known_hosts-*")
	if err != nil {
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	if !exists {
		return ensure.Created, nil
	}
	return ensure.Updated, nil
}

// hostsMatch reports whether a known_hosts line names addr in its plain
// (unhashed, unmarked) host list.
func hostsMatch(line, addr string) bool {
	if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "@") {
		return false
	}
	hosts, _, _ := strings.Cut(line, " ")
	for _, h := range strings.Split(hosts, ",") {
		if h == addr {
			return true
		}
	}
	return false
}
