package builder

import (
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
)

// HostKeyError is returned when the host presents a key other than the one
// pinned in Host.HostKey; no command has run. It unwraps to
// ErrHostKeyMismatch and ensure.ErrConflict.
type HostKeyError = sshx.HostKeyError

// ExitError is a remote command that exited non-zero.
type ExitError = sshx.ExitError

// ErrHostKeyMismatch is the sentinel a HostKeyError unwraps to.
var ErrHostKeyMismatch = sshx.ErrHostKeyMismatch

// FloorError says the host has less memory or free disk than the spec
// requires. It unwraps to ensure.ErrPrecondition.
type FloorError struct {
	Addr          string
	MemoryBytes   int64
	MinMemory     int64
	DiskFreeBytes int64
	MinDisk       int64
}

func (e *FloorError) Error() string {
	var short []string
	if e.MinMemory > 0 && e.MemoryBytes < e.MinMemory {
		short = append(short, fmt.Sprintf("memory %s < %s", gib(e.MemoryBytes), gib(e.MinMemory)))
	}
	if e.MinDisk > 0 && e.DiskFreeBytes < e.MinDisk {
		short = append(short, fmt.Sprintf("free disk %s < %s", gib(e.DiskFreeBytes), gib(e.MinDisk)))
	}
	return fmt.Sprintf("host %s is too small to build on: %s (use a bigger server or free disk, lower Spec.MinMemory/MinDisk, or set Spec.WarnOnly)",
		e.Addr, strings.Join(short, ", "))
}

// Unwrap returns ensure.ErrPrecondition.
func (e *FloorError) Unwrap() error { return ensure.ErrPrecondition }

func gib(n int64) string { return fmt.Sprintf("%.1f GiB (%d bytes)", float64(n)/(1<<30), n) }

// PrivilegeError says the login user is not root and has no passwordless
// sudo, but something needs root. It unwraps to ensure.ErrPrecondition.
type PrivilegeError struct {
	Addr string
	User string
	// Need lists what needed root, e.g. "install Docker".
	Need []string
}

func (e *PrivilegeError) Error() string {
	return fmt.Sprintf("user %q on %s is not root and has no passwordless sudo, which is needed to %s "+
		"(log in as root, or allow it: echo '%s ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/%s)",
		e.User, e.Addr, strings.Join(e.Need, " and "), e.User, e.User)
}

// Unwrap returns ensure.ErrPrecondition.
func (e *PrivilegeError) Unwrap() error { return ensure.ErrPrecondition }

// InstallError says Docker could not be installed, or was not there when it
// should have been (AtBoot). It unwraps to ensure.ErrPrecondition and to the
// command's error, if any.
type InstallError struct {
	Addr   string
	Method string
	Reason string
	Err    error
}

func (e *InstallError) Error() string {
	msg := fmt.Sprintf("install docker on %s with %s: %s", e.Addr, e.Method, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns ensure.ErrPrecondition and the underlying error.
func (e *InstallError) Unwrap() []error {
	if e.Err == nil {
		return []error{ensure.ErrPrecondition}
	}
	return []error{ensure.ErrPrecondition, e.Err}
}

// ArchError says the host's CPU is neither amd64 nor arm64.
type ArchError struct {
	Addr    string
	Machine string // what uname -m said
}

func (e *ArchError) Error() string {
	return fmt.Sprintf("host %s has CPU %q: Kamal builds for amd64 or arm64 only", e.Addr, e.Machine)
}

// Unwrap returns ensure.ErrPrecondition.
func (e *ArchError) Unwrap() error { return ensure.ErrPrecondition }
