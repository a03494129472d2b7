package sshx

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
)

// ErrHostKeyMismatch is the sentinel for a host that presented a key other
// than the one pinned or recorded for it. A *HostKeyError unwraps to it and
// to ensure.ErrConflict.
var ErrHostKeyMismatch = errors.New("host key mismatch")

// ErrUnknownHost is the sentinel for a host that has no recorded key at all
// (known_hosts has no line for it). A *HostKeyError unwraps to it and to
// ensure.ErrPrecondition.
var ErrUnknownHost = errors.New("unknown host key")

// HostKeyError says that a host's key could not be verified. Want is empty
// when no key was known for the host; otherwise Want and Got are SHA256
// fingerprints of the expected and the presented key.
type HostKeyError struct {
	Addr string
	Want string
	Got  string

	// known are the keys recorded for the host (all types), so that Dial
	// can ask a host with several keys for one of them.
	known []ssh.PublicKey
}

func (e *HostKeyError) Error() string {
	if e.Want == "" {
		return fmt.Sprintf("verify host key of %s: no known key for this host (got %s); pin the key or add it to known_hosts", e.Addr, e.Got)
	}
	return fmt.Sprintf("verify host key of %s: host presented %s, want %s; the host was replaced or someone is in the middle — check before trusting the new key", e.Addr, e.Got, e.Want)
}

// Unwrap returns ErrHostKeyMismatch and ensure.ErrConflict for a mismatch,
// ErrUnknownHost and ensure.ErrPrecondition for a host with no known key.
func (e *HostKeyError) Unwrap() []error {
	if e.Want == "" {
		return []error{ErrUnknownHost, ensure.ErrPrecondition}
	}
	return []error{ErrHostKeyMismatch, ensure.ErrConflict}
}

// ExitError is a command that ran and exited with a non-zero status, or was
// killed by a signal (Code -1, Signal set).
type ExitError struct {
	Addr   string
	Cmd    string
	Code   int
	Signal string
	// Stderr is the command's standard error, truncated to MaxStderr bytes
	// and with the secrets passed to Run removed.
	Stderr string
}

// MaxStderr is how much of a failed command's stderr an ExitError keeps.
const MaxStderr = 2048

func (e *ExitError) Error() string {
	status := fmt.Sprintf("exit status %d", e.Code)
	if e.Signal != "" {
		status = "killed by signal " + e.Signal
	}
	msg := fmt.Sprintf("run %q on %s: %s", e.Cmd, e.Addr, status)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// NotFound reports whether the shell could not find the command (status 127).
func (e *ExitError) NotFound() bool { return e.Code == 127 }
