package sshkey

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/assemblekit/assemble/ensure"
)

// startAgent serves an in-memory keyring on a unix socket, as ssh-agent does.
func startAgent(t *testing.T, comments ...string) (string, []ssh.PublicKey) {
	t.Helper()
	ring := agent.NewKeyring()
	var pubs []ssh.PublicKey
	for _, c := range comments {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		require.NoError(t, ring.Add(agent.AddedKey{PrivateKey: priv, Comment: c}))
		sp, _ := ssh.NewPublicKey(pub)
		pubs = append(pubs, sp)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _ = agent.ServeAgent(ring, c) }()
		}
	}()
	return sock, pubs
}

func TestFromAgent(t *testing.T) {
	ctx := context.Background()
	sock, pubs := startAgent(t, "laptop", "ci")

	k, err := FromAgent(ctx, Selector{Socket: sock, Comment: "ci"})
	require.NoError(t, err)
	require.Equal(t, ssh.FingerprintSHA256(pubs[1]), k.Fingerprint())
	require.Equal(t, "", k.Path())
	sig, err := k.Signer().Sign(rand.Reader, []byte("x"))
	require.NoError(t, err)
	require.NoError(t, pubs[1].Verify([]byte("x"), sig))

	k, err = FromAgent(ctx, Selector{Socket: sock, Fingerprint: ssh.FingerprintSHA256(pubs[0])})
	require.NoError(t, err)
	require.Equal(t, "laptop", k.Comment())

	k, err = FromAgent(ctx, Selector{Socket: sock, Fingerprint: "MD5:" + ssh.FingerprintLegacyMD5(pubs[0])})
	require.NoError(t, err)
	require.Equal(t, "laptop", k.Comment())

	_, err = FromAgent(ctx, Selector{Socket: sock, Comment: "nope"})
	require.ErrorIs(t, err, ensure.ErrNotFound)
	require.Contains(t, err.Error(), "holds 2 keys")

	_, err = FromAgent(ctx, Selector{Socket: sock})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)

	t.Setenv("SSH_AUTH_SOCK", "")
	_, err = FromAgent(ctx, Selector{})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Contains(t, err.Error(), "SSH_AUTH_SOCK")

	_, op, err := Agent(Selector{Socket: sock, Comment: "ci"}).EnsureKey(ctx)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
}
