package sshkey

import (
	"fmt"

	"github.com/assemblekit/assemble/ensure"
)

// KeyError is a key that can't be used, with the path and what to do. It
// unwraps to ensure.ErrInvalidSpec for problems with the files (fix them) and
// ensure.ErrUnauthorized for a wrong or missing passphrase.
type KeyError struct {
	// Path is the file the problem is in.
	Path string
	// Problem says what is wrong.
	Problem string
	// Fix says what to do about it.
	Fix string
	// Err is the underlying error, if any; it never holds key material.
	Err error

	kind error
}

// Error implements error.
func (e *KeyError) Error() string {
	s := fmt.Sprintf("ssh key %s: %s", e.Path, e.Problem)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

// Unwrap returns the sentinel and the underlying error.
func (e *KeyError) Unwrap() []error {
	errs := []error{e.kind}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func invalid(path, problem, fix string, err error) *KeyError {
	return &KeyError{Path: path, Problem: problem, Fix: fix, Err: err, kind: ensure.ErrInvalidSpec}
}

func badPassphrase(path, problem, fix string) *KeyError {
	return &KeyError{Path: path, Problem: problem, Fix: fix, kind: ensure.ErrUnauthorized}
}
