package secrets

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// Store reads and writes secrets in one password manager.
type Store interface {
	// Check verifies that the store can be used: its CLI is installed and
	// signed in, or its token works. It mutates nothing.
	Check(ctx context.Context) error
	// Get returns the secret at ref; an absent secret is an error that
	// unwraps to ensure.ErrNotFound.
	Get(ctx context.Context, ref Ref) (secret.Value, error)
	// Put stores v at ref. It is idempotent: when the store already holds v
	// it returns ensure.Unchanged and writes nothing.
	Put(ctx context.Context, ref Ref, v secret.Value) (ensure.Op, error)
}

// Kamal is what every provider knows about Kamal: where a Kamal secret name
// lives in it, and the `.kamal/secrets` lines that fetch a set of secrets.
type Kamal interface {
	// Ref returns the default location of a Kamal secret name in this store.
	Ref(name string) Ref
	// KamalLines renders the `.kamal/secrets` lines that fetch refs at
	// deploy time, in the form Kamal's adapter for this store expects.
	KamalLines(refs []Ref) ([]string, error)
}

// Provider is a Store that also renders Kamal lines; every provider in the
// sibling packages is one.
type Provider interface {
	Store
	Kamal
}
