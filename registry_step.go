package assemble

import (
	"context"
	"slices"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/prime"
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
	// proven is what the preflight proved, for the Ensure that follows.
	proven prime.Cache[string, *registry.Proof]
}

func (s *registryStep) Name() string    { return StepRegistry }
func (s *registryStep) Needs() []string { return nil }

// Validate checks the spec offline and the credentials with reads only
// (registry.Prove) before anything runs, so a wrong password or a login
// without push stops the recipe before its first change. When those reads
// proved push permission too, Ensure uses the proof and sends nothing.
func (s *registryStep) Validate(ctx context.Context) error {
	if err := s.spec.Validate(); err != nil {
		return err
	}
	proof, err := registry.Prove(ctx, s.spec, s.opts...)
	if err != nil {
		return err
	}
	if proof != nil {
		s.proven.Put("", proof)
	}
	return nil
}

func (s *registryStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	opts := s.opts
	if proof, ok := s.proven.Take(""); ok {
		opts = append(slices.Clip(opts), registry.WithProof(proof))
	}
	login, op, err := registry.Ensure(ctx, s.spec, opts...)
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
