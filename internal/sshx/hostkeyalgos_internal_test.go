package sshx

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestHostKeyAlgorithmsInOpenSSHOrder(t *testing.T) {
	pub := func(k any, err error) ssh.PublicKey {
		t.Helper()
		require.NoError(t, err)
		p, err := ssh.NewPublicKey(k)
		require.NoError(t, err)
		return p
	}
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	r := pub(&rk.PublicKey, nil)
	e384k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	e384 := pub(&e384k.PublicKey, nil)
	edk, _, err := ed25519.GenerateKey(rand.Reader)
	ed := pub(edk, err)

	require.Equal(t, []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA384, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA},
		hostKeyAlgorithms(r, e384, ed, r, nil))
	require.Equal(t, []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}, hostKeyAlgorithms(r))
	require.Equal(t, []string{ssh.KeyAlgoED25519}, hostKeyAlgorithms(ed))
}
