package assemble

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sshkey"
)

func TestSSHKeyStep(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "id_ed25519")
	r := New("shop").SSHKey(sshkey.File(path))

	plan, err := r.Plan(ctx)
	require.NoError(t, err)
	require.Equal(t, ensure.Changes{{Kind: "ssh key", Name: path, Op: ensure.Created}}, plan)
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "Plan wrote the key")

	out, err := r.Ensure(ctx)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, out.Op(StepSSHKey))
	require.NotNil(t, out.SSHKey)

	out2, err := r.Ensure(ctx)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, out2.Op(StepSSHKey))
	require.Equal(t, out.SSHKey.Fingerprint(), out2.SSHKey.Fingerprint())

	plan, err = r.Plan(ctx)
	require.NoError(t, err)
	require.Empty(t, plan.Mutating())

	removed, err := r.Destroy(ctx)
	require.NoError(t, err)
	require.Empty(t, removed)
	_, err = os.Stat(path)
	require.NoError(t, err, "Destroy deleted the user's key")
}
