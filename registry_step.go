package assemble

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
)

// StepRegistry is the name of the registry step.
const StepRegistry = "registry"

// Registry adds the container registry: spec (usually from a preset such as
// registry.GHCR) is checked to log in and push to the app's image
// repository before anything is deployed. It needs nothing else, so it runs
// from the start.
func (r *Recipe) Registry(spec registry.Spec, opts ...registry.Option) *Recipe {
	return r.Add(&registryStep{spec: spec, opts: opts})
}

type registryStep struct {
	spec registry.Spec
	opts []registry.Option
}

func (s *registryStep) Name() string    { return StepRegistry }
func (s *registryStep) Needs() []string { return nil }

// Validate checks the spec (server, image, credentials present) before
// anything runs; the push check itself is Ensure's.
func (s *registryStep) Validate(context.Context) error { return s.spec.Validate() }

func (s *registryStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	login, op, err := registry.Ensure(ctx, s.spec, s.opts...)
	if err != nil {
		return "", err
	}
	out.Registry = login
	return op, nil
}

func (s *registryStep) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	return registry.Plan(ctx, s.spec, s.opts...)
}

// registryStep returns the recipe's registry step, if any.
func (r *Recipe) registryStep() *registryStep {
	for _, s := range r.steps {
		if rs, ok := s.(*registryStep); ok {
			return rs
		}
	}
	return nil
}
