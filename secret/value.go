// Package secret holds Value, a string that never prints itself.
//
// Tokens, passwords and private keys travel through assemble as Values. Every
// way Go has of turning a value into text — fmt verbs, %#v, JSON, text
// marshalling, slog — gives "[REDACTED]". Reveal is the only way to the
// string, so every place that needs the real value is easy to find.
package secret

import (
	"fmt"
	"log/slog"
)

// Redacted is what a Value prints instead of itself.
const Redacted = "[REDACTED]"

// Value is a secret string. The zero Value is empty.
//
// Value is comparable; comparing two Values compares their contents.
type Value struct {
	// v is unexported and the struct has no other fields, so reflection-based
	// printers (fmt's %+v on a containing struct) still call our methods.
	v string
}

// New wraps s as a secret.
func New(s string) Value { return Value{v: s} }

// Reveal returns the secret string. Call it only where the value leaves the
// program on a safe channel (an HTTP header, a child's stdin).
func (v Value) Reveal() string { return v.v }

// IsZero reports whether the secret is empty.
func (v Value) IsZero() bool { return v.v == "" }

// Len returns the length of the secret in bytes; safe to print.
func (v Value) Len() int { return len(v.v) }

// Equal reports whether two secrets hold the same string.
func (v Value) Equal(o Value) bool { return v.v == o.v }

// String returns "[REDACTED]".
func (v Value) String() string { return Redacted }

// GoString returns "[REDACTED]", for %#v.
func (v Value) GoString() string { return Redacted }

// Format prints "[REDACTED]" for every verb and flag, so %s, %q, %x, %v, %+v,
// %#v and %d all hide the value.
func (v Value) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", Redacted)
	default:
		_, _ = f.Write([]byte(Redacted))
	}
}

// MarshalJSON returns the JSON string "[REDACTED]".
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns "[REDACTED]"; YAML, XML and other text encoders use it.
func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue returns "[REDACTED]" for log/slog.
func (v Value) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Formatter  = Value{}
	_ fmt.GoStringer = Value{}
	_ slog.LogValuer = Value{}
)
