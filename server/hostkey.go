package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/secret"
)

// HostKey is an ed25519 SSH host key the SDK generates for a new server, so
// the first connection can be checked against a key known in advance.
type HostKey struct {
	signer  ssh.Signer
	private ed25519.PrivateKey
}

// NewHostKey generates a host key from r (crypto/rand when nil).
func NewHostKey(r io.Reader) (*HostKey, error) {
	if r == nil {
		r = rand.Reader
	}
	_, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	return &HostKey{signer: signer, private: priv}, nil
}

// PublicKey returns the public half.
func (k *HostKey) PublicKey() ssh.PublicKey { return k.signer.PublicKey() }

// Signer returns the key as an ssh.Signer, e.g. for a simulated host.
func (k *HostKey) Signer() ssh.Signer { return k.signer }

// Fingerprint returns the "SHA256:…" fingerprint of the public half.
func (k *HostKey) Fingerprint() string { return ssh.FingerprintSHA256(k.PublicKey()) }

// LabelValue returns the fingerprint encoded for HostKeyLabel.
func (k *HostKey) LabelValue() string { return HostKeyLabelValue(k.PublicKey()) }

// String returns the fingerprint: a HostKey never prints its private half.
func (k *HostKey) String() string { return "host key " + k.Fingerprint() }

// GoString is String, for %#v.
func (k *HostKey) GoString() string { return k.String() }

// LogValue is String, for slog.
func (k *HostKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// privatePEM returns the OpenSSH PEM of the private half.
func (k *HostKey) privatePEM() (secret.Value, error) {
	blk, err := ssh.MarshalPrivateKey(k.private, "")
	if err != nil {
		return secret.Value{}, fmt.Errorf("encode host key: %w", err)
	}
	return secret.New(string(pem.EncodeToMemory(blk))), nil
}
