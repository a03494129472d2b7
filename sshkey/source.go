package sshkey

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
)

// Source is where a recipe gets its SSH key: a Spec (a file, generated when
// missing) or an agent Selector.
type Source interface {
	// EnsureKey returns the key, generating it if the source does that.
	EnsureKey(ctx context.Context) (*Key, ensure.Op, error)
	// PlanKey says what EnsureKey would do without writing anything; the key
	// is nil when it would be created.
	PlanKey(ctx context.Context) (*Key, ensure.Op, error)
}

var (
	_ Source = Spec{}
	_ Source = Selector{}
)
