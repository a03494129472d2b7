package static

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// Destroy does nothing and returns no changes: the host was there before
// the recipe and stays after it. It does not even connect.
func (p *Provider) Destroy(ctx context.Context, spec server.Spec) (ensure.Changes, error) {
	return nil, nil
}
