package assemble

import (
	"context"
	"errors"
	"fmt"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/ensure"
)

// StepBuilder is the name of the remote Docker builder step.
const StepBuilder = "builder"

// Builder makes the recipe's server the remote Docker builder: Docker
// present, the right floor of memory and disk, the prune cron job, and its
// host key in spec.KnownHostsPath for the user's ssh. It needs the server
// step (and the SSH key to log in with); the server is told to install
// Docker and the prune job at boot.
func (r *Recipe) Builder(spec builder.Spec, opts ...builder.Option) *Recipe {
	return r.Add(&builderStep{r: r, spec: spec, opts: opts, onServer: true})
}

// BuilderOn uses another host as the remote builder.
func (r *Recipe) BuilderOn(host builder.Host, spec builder.Spec, opts ...builder.Option) *Recipe {
	return r.Add(&builderStep{r: r, spec: spec, opts: opts, host: host})
}

type builderStep struct {
	r        *Recipe
	spec     builder.Spec
	opts     []builder.Option
	host     builder.Host
	onServer bool
}

// builderStep returns the recipe's builder step, if any.
func (r *Recipe) builderStep() *builderStep {
	for _, s := range r.steps {
		if b, ok := s.(*builderStep); ok {
			return b
		}
	}
	return nil
}

func (b *builderStep) Name() string { return StepBuilder }

// memoryFloor is the memory the builder requires of its host, in bytes; 0
// when it only warns or doesn't check.
func (b *builderStep) memoryFloor() int64 {
	switch m := b.spec.MinMemory; {
	case b.spec.WarnOnly || m < 0:
		return 0
	case m == 0:
		return builder.DefaultMinMemory
	default:
		return m
	}
}

// Validate checks the builder's spec (the prune schedule, the installer)
// before anything runs.
func (b *builderStep) Validate(context.Context) error {
	spec := b.spec
	if spec.Owner == "" {
		spec.Owner = b.r.name
	}
	return spec.Validate()
}

func (b *builderStep) Needs() []string {
	if b.onServer {
		return []string{StepServer, StepSSHKey}
	}
	return nil
}

var errNoServer = errors.New("the server is not there yet")

func (b *builderStep) resolve(out *Outputs) (builder.Host, builder.Spec, error) {
	spec := b.spec
	if spec.Owner == "" {
		spec.Owner = b.r.name
	}
	if !b.onServer {
		return b.host, spec, nil
	}
	if out.Server == nil {
		return builder.Host{}, spec, errNoServer
	}
	h := builder.Host{
		Addr:    out.Server.SSHAddr,
		User:    out.Server.User,
		HostKey: out.Server.HostKey,
		Dial:    b.r.dial,
	}
	if out.SSHKey != nil {
		h.Signer = out.SSHKey.Signer()
	}
	return h, spec, nil
}

func (b *builderStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	host, spec, err := b.resolve(out)
	if err != nil {
		return "", fmt.Errorf("ensure builder: %w", err)
	}
	res, op, err := builder.Ensure(ctx, host, spec, b.opts...)
	if err != nil {
		return "", err
	}
	out.Builder = res
	return op, nil
}

func (b *builderStep) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	host, spec, err := b.resolve(out)
	if errors.Is(err, errNoServer) {
		return ensure.Changes{{Kind: "builder", Name: "server", Op: ensure.Created, Detail: "checked and set up once the server exists"}}, nil
	}
	if err != nil {
		return nil, err
	}
	if host.HostKey == nil && host.HostKeyCallback == nil {
		return ensure.Changes{{Kind: "builder", Name: host.Addr, Op: ensure.Updated, Detail: "checked and set up once the server answers SSH"}}, nil
	}
	return builder.Plan(ctx, host, spec, b.opts...)
}

// Destroy removes the prune job from a host the recipe doesn't own; on the
// recipe's own server it does nothing, since the server itself goes.
func (b *builderStep) Destroy(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	if b.onServer {
		return nil, nil
	}
	host, spec, err := b.resolve(out)
	if err != nil {
		return nil, err
	}
	return builder.Destroy(ctx, host, spec, b.opts...)
}
