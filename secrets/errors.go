package secrets

import (
	"fmt"
	"strings"
)

// Error is a password manager's failure, typed so callers can act on it:
// it unwraps to an ensure sentinel (ErrPrecondition for a missing CLI,
// ErrUnauthorized for a missing sign-in or a locked vault, ErrNotFound for a
// missing item, …), carries the vendor's own code and a message already
// scrubbed of known secret values, and says what to run to fix it.
type Error struct {
	// Op is the verb: "check", "get" or "put".
	Op string
	// Store is the Kamal adapter name: "1password", "lastpass", ….
	Store string
	// Ref names the secret's location; never its value.
	Ref string
	// Code is the vendor's code: an API error type or a CLI exit status.
	Code string
	// Message is the vendor's message, scrubbed.
	Message string
	// Fix says what to run or install, when known.
	Fix string
	// Err is the ensure sentinel this error unwraps to.
	Err error
}

// Error renders "get 1password secret X (Vault/Item/X): not found: … (fix)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(" ")
	b.WriteString(e.Store)
	if e.Ref != "" {
		b.WriteString(" secret ")
		b.WriteString(e.Ref)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " [%s]", e.Code)
	}
	if e.Fix != "" {
		b.WriteString(" (")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the ensure sentinel.
func (e *Error) Unwrap() error { return e.Err }
