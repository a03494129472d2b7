package assemble

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// StepServer is the name of the server step.
const StepServer = "server"

// Server adds the server: p is the vendor (hetzner.New, robot.New,
// static.New), spec what it should be. The recipe fills in spec.Owner (its
// name), spec.SSHKey (the recipe's key, when the spec has none) and
// spec.Builder (when the recipe's builder is this server).
func (r *Recipe) Server(p server.Provider, spec server.Spec) *Recipe {
	return r.Add(&serverStep{r: r, p: p, spec: spec})
}

type serverStep struct {
	r    *Recipe
	p    server.Provider
	spec server.Spec
}

func (s *serverStep) Name() string { return StepServer }

func (s *serverStep) Needs() []string {
	if s.r.has(StepSSHKey) {
		return []string{StepSSHKey}
	}
	return nil
}

// resolve completes the spec from the recipe and what earlier steps made.
func (s *serverStep) resolve(out *Outputs) server.Spec {
	spec := s.spec
	if spec.Owner == "" {
		spec.Owner = s.r.name
	}
	if spec.SSHKey == nil && out.SSHKey != nil {
		spec.SSHKey = out.SSHKey.PublicKey()
	}
	if b := s.r.builderStep(); b != nil && b.onServer {
		spec.Builder = true
		if spec.MinMemory == 0 {
			spec.MinMemory = b.memoryFloor()
		}
	}
	return spec
}

// Validate asks the provider, when it can, whether it would refuse the spec
// (an unknown type, too little memory for the builder), with reads only.
func (s *serverStep) Validate(ctx context.Context) error {
	if v, ok := s.p.(server.Validator); ok {
		return v.Validate(ctx, s.resolve(&Outputs{}))
	}
	return nil
}

// Ensure converges the server. As soon as the provider reports the
// server's address (server.ReportAddress), a copy is published and
// MilestoneServerAddress reached, so the DNS steps start while the server
// boots; a provider that doesn't report it reaches it by finishing.
func (s *serverStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	hctx := server.WithAddressHook(ctx, func(srv server.Server) {
		if out.setServerAddress(&srv) {
			Reach(ctx, MilestoneServerAddress)
		}
	})
	srv, op, err := s.p.Ensure(hctx, s.resolve(out))
	if err != nil {
		return "", err
	}
	if srv == nil {
		return "", fmt.Errorf("ensure server: the provider returned no server")
	}
	out.setServerAddress(srv)
	out.Server = srv
	return op, nil
}

func (s *serverStep) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	spec := s.resolve(out)
	changes, err := planVia(ctx, s.p, spec, "server", spec.Name)
	if err != nil {
		return nil, err
	}
	if l, ok := s.p.(server.Looker); ok {
		srv, err := l.Lookup(ctx, spec)
		if err != nil {
			return nil, err
		}
		out.Server = srv
	}
	return changes, nil
}

func (s *serverStep) Destroy(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	return destroyVia(ctx, s.p, s.resolve(out))
}
