package server

import (
	"fmt"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/knownhosts"
)

// WriteKnownHosts makes the known_hosts file at path know s's address with
// s's host key: the line is added when missing and a stale key of the same
// type for the address (a rebuilt server) is replaced; other lines are kept
// as they are. It is idempotent: Created when the file did not exist,
// Updated when a line was added or replaced, Unchanged otherwise. The parent
// directory is created 0700 and a new file 0600, as ssh expects; an existing
// file keeps its mode.
func WriteKnownHosts(path string, s *Server) (ensure.Op, error) {
	if s.HostKey == nil {
		return "", fmt.Errorf("write known_hosts %s: server %q has no verified host key", path, s.Name)
	}
	op, err := knownhosts.Write(path, s.SSHAddr, s.HostKey)
	if err != nil {
		return "", fmt.Errorf("write known_hosts: %w", err)
	}
	return op, nil
}
