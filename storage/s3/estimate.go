package s3

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/storage"
)

// Estimate returns the preset's list price (no request is sent). Providers
// made with MinIO or New have no price list: Known is false.
func (p *Provider) Estimate(_ context.Context, spec storage.BucketSpec) (storage.Price, error) {
	if err := p.check(spec); err != nil {
		return storage.Price{}, fmt.Errorf("estimate bucket %q: %w", spec.Name, err)
	}
	return p.vendor.price, nil
}
