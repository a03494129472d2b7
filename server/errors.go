package server

import (
	"errors"
	"fmt"

	"github.com/assemblekit/assemble/ensure"
)

// ErrHostKeyMismatch is what a HostKeyMismatchError is (errors.Is): the host
// answered with a key other than the pinned one.
var ErrHostKeyMismatch = errors.New("host key mismatch")

// HostKeyMismatchError says a host presented a key other than the pinned one:
// someone else answers at that address, or the machine was reinstalled. It
// unwraps to ensure.ErrConflict and matches ErrHostKeyMismatch.
type HostKeyMismatchError struct {
	Addr string
	// Want is the pinned "SHA256:…" fingerprint, Got the presented one.
	Want, Got string
}

// Error says which key was presented and which was pinned.
func (e *HostKeyMismatchError) Error() string {
	return fmt.Sprintf("host key mismatch at %s: host presented %s, pinned %s (not connecting: the host may have been replaced or the address reused)", e.Addr, e.Got, e.Want)
}

// Is makes errors.Is(err, ErrHostKeyMismatch) true.
func (e *HostKeyMismatchError) Is(target error) bool { return target == ErrHostKeyMismatch }

// Unwrap returns ensure.ErrConflict.
func (e *HostKeyMismatchError) Unwrap() error { return ensure.ErrConflict }
