package dns

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
)

// Provider makes a record exist as its spec says.
type Provider interface {
	// Ensure creates or updates the record, touching only records owned by
	// spec.Owner, and reports what it did. A second call on a converged
	// world returns ensure.Unchanged without a mutating request.
	Ensure(ctx context.Context, spec RecordSpec) (*Record, ensure.Op, error)
}

// Planner is a Provider that can say what Ensure would change, with reads
// only.
type Planner interface {
	Plan(ctx context.Context, spec RecordSpec) (ensure.Changes, error)
}

// Destroyer is a Provider that can remove the records spec.Owner owns for
// spec.Name and spec.Type, reporting what it deleted.
type Destroyer interface {
	Destroy(ctx context.Context, spec RecordSpec) (ensure.Changes, error)
}

// Validator is a Provider that can check, before the Recipe changes
// anything, what its Ensure would refuse about spec: offline (an empty
// token, a TTL out of its range) and, with reads only, what only the vendor
// knows (a refused token, a zone the account doesn't have). What it read it
// may keep for the Ensure that follows. spec.Content may be a placeholder
// of the right family then: the address is known only later.
type Validator interface {
	Validate(ctx context.Context, spec RecordSpec) error
}
