package static

import (
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
)

// HostKeyError is a host key that nothing vouches for: the host is in none
// of the known_hosts files given and no trust-on-first-use callback was set,
// or the callback refused the key. Key is the key the host presented, so a
// caller can show it and, once checked, pin it. It unwraps to
// ensure.ErrPrecondition. (A key that contradicts a pinned or recorded one
// is a *server.HostKeyMismatchError instead.)
type HostKeyError struct {
	Addr string
	// Key is the presented key; Got its "SHA256:…" fingerprint.
	Key ssh.PublicKey
	Got string
	// Reason says why the key was not accepted.
	Reason string
}

// Error implements error.
func (e *HostKeyError) Error() string {
	return fmt.Sprintf("host key %s of %s not accepted: %s", e.Got, e.Addr, e.Reason)
}

// Unwrap returns ensure.ErrPrecondition.
func (e *HostKeyError) Unwrap() error { return ensure.ErrPrecondition }

// UnreachableError is a host that could not be reached over SSH: the TCP
// connection failed, or the handshake broke off or timed out. It unwraps to
// ensure.ErrUnavailable and to the cause (which is ensure.ErrTimeout when
// the time ran out).
type UnreachableError struct {
	Addr string
	Err  error
}

// Error implements error.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("reach %s over SSH: %v", e.Addr, e.Err)
}

// Unwrap returns ensure.ErrUnavailable and the cause.
func (e *UnreachableError) Unwrap() []error { return []error{ensure.ErrUnavailable, e.Err} }

// LoginError is a login the host refused after its host key was verified:
// the key offered is not authorized for the user. It unwraps to
// ensure.ErrUnauthorized.
type LoginError struct {
	Addr, User string
	// Keys are the "SHA256:…" fingerprints of the keys offered.
	Keys []string
	Err  error
}

// Error implements error.
func (e *LoginError) Error() string {
	return fmt.Sprintf("log in to %s as %s with %v: refused (add the public key to ~%s/.ssh/authorized_keys on the host): %v",
		e.Addr, e.User, e.Keys, e.User, e.Err)
}

// Unwrap returns ensure.ErrUnauthorized.
func (e *LoginError) Unwrap() error { return ensure.ErrUnauthorized }
