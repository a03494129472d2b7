package knownhosts

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/ensure"
)

func newKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return k
}

func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssh", "known_hosts")
	key := newKey(t)
	op, err := Write(path, "127.0.1.1:22", key)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	op, err = Write(path, "127.0.1.1:22", key)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)

	// Other hosts, hashed lines and comments stay; a stale same-type key and
	// a duplicate of ours go.
	other := "other.test " + string(ssh.MarshalAuthorizedKey(newKey(t)))
	hashed := "|1|abc=|def= " + string(ssh.MarshalAuthorizedKey(newKey(t)))
	stale := "127.0.1.1 " + string(ssh.MarshalAuthorizedKey(newKey(t)))
	ours := Line("127.0.1.1:22", key) + "\n"
	require.NoError(t, os.WriteFile(path, []byte("# mine\n"+other+hashed+stale+ours+ours), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
	op, err = Write(path, "127.0.1.1:22", key)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	b, _ := os.ReadFile(path)
	require.Equal(t, "# mine\n"+other+hashed+ours, string(b))
	fi, _ = os.Stat(path)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "an existing file keeps its mode")

	cb, err := xknownhosts.New(path)
	require.NoError(t, err)
	require.NoError(t, cb("127.0.1.1:22", &net.TCPAddr{IP: net.IPv4(127, 0, 1, 1), Port: 22}, key))
}

func TestLineNonStandardPort(t *testing.T) {
	require.Contains(t, Line("127.0.1.2:2222", newKey(t)), "[127.0.1.2]:2222 ssh-ed25519 ")
}
