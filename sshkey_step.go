package assemble

import (
	"context"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sshkey"
)

// StepSSHKey is the name of the SSH key step.
const StepSSHKey = "ssh-key"

// SSHKey sets where the recipe's SSH key comes from: sshkey.File(path) (an
// ed25519 key generated there when missing) or sshkey.Agent(selector).
func (r *Recipe) SSHKey(src sshkey.Source) *Recipe { return r.Add(&keyStep{src: src}) }

type keyStep struct{ src sshkey.Source }

func (k *keyStep) Name() string    { return StepSSHKey }
func (k *keyStep) Needs() []string { return nil }

func (k *keyStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	key, op, err := k.src.EnsureKey(ctx)
	if err != nil {
		return "", err
	}
	out.SSHKey = key
	return op, nil
}

// Plan loads the key if it exists (so later steps can plan with it) and
// says whether Ensure would generate one.
func (k *keyStep) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	key, op, err := k.src.PlanKey(ctx)
	if err != nil {
		return nil, err
	}
	out.SSHKey = key
	name := "agent"
	if key != nil && key.Path() != "" {
		name = key.Path()
	} else if s, ok := k.src.(sshkey.Spec); ok {
		name = s.Path
	}
	return ensure.Changes{{Kind: "ssh key", Name: name, Op: op}}, nil
}

// Validate loads an existing key read-only (permissions, passphrase, a .pub
// that matches), so a bad key file stops the run before anything is made.
func (k *keyStep) Validate(ctx context.Context) error {
	_, _, err := k.src.PlanKey(ctx)
	return err
}

// Destroy never deletes a key file: the user may use it for other things.
func (k *keyStep) Destroy(context.Context, *Outputs) (ensure.Changes, error) { return nil, nil }

var (
	_ Step      = (*keyStep)(nil)
	_ Planner   = (*keyStep)(nil)
	_ Destroyer = (*keyStep)(nil)
	_ Validator = (*keyStep)(nil)
)
