package assemble

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
)

// planVia calls p's Plan when the provider has one. A provider without Plan
// shows a single line saying Ensure will check it, so a plan never hides an
// ingredient.
func planVia[S any](ctx context.Context, p any, spec S, kind, name string) (ensure.Changes, error) {
	if pl, ok := p.(interface {
		Plan(context.Context, S) (ensure.Changes, error)
	}); ok {
		return pl.Plan(ctx, spec)
	}
	return ensure.Changes{{Kind: kind, Name: name, Op: ensure.Unchanged, Detail: "the provider can't plan; Ensure will check it"}}, nil
}

// destroyVia calls p's Destroy when the provider has one; otherwise there is
// nothing assemble made that it could remove.
func destroyVia[S any](ctx context.Context, p any, spec S) (ensure.Changes, error) {
	if d, ok := p.(interface {
		Destroy(context.Context, S) (ensure.Changes, error)
	}); ok {
		return d.Destroy(ctx, spec)
	}
	return nil, nil
}
