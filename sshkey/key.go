package sshkey

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Key is a usable SSH key: a signer and what the rest of assemble needs to
// know about its public half.
type Key struct {
	signer  ssh.Signer
	comment string
	path    string
	// bits is the key size as ssh-keygen reports it; 0 when unknown (agent
	// keys of unusual types).
	bits int
}

// Signer returns the signer that authenticates with the key.
func (k *Key) Signer() ssh.Signer { return k.signer }

// PublicKey returns the public half.
func (k *Key) PublicKey() ssh.PublicKey { return k.signer.PublicKey() }

// Comment returns the key's comment (from its .pub file or the agent).
func (k *Key) Comment() string { return k.comment }

// Path returns the private key's path, or "" for an agent key.
func (k *Key) Path() string { return k.path }

// Type returns the SSH key type, such as "ssh-ed25519".
func (k *Key) Type() string { return k.PublicKey().Type() }

// AuthorizedKey returns the key as one authorized_keys line, with its comment
// and without a trailing newline.
func (k *Key) AuthorizedKey() string {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.PublicKey())))
	if k.comment != "" {
		line += " " + k.comment
	}
	return line
}

// Fingerprint returns the SHA256 fingerprint as ssh-keygen prints it:
// "SHA256:" and unpadded base64.
func (k *Key) Fingerprint() string { return ssh.FingerprintSHA256(k.PublicKey()) }

// FingerprintMD5 returns the legacy MD5 fingerprint in colon-separated hex,
// without the "MD5:" prefix, as Hetzner Cloud and Robot store it.
func (k *Key) FingerprintMD5() string { return ssh.FingerprintLegacyMD5(k.PublicKey()) }

// FingerprintLine returns the line `ssh-keygen -lf` prints for the key:
// "256 SHA256:… comment (ED25519)".
func (k *Key) FingerprintLine() string {
	comment := k.comment
	if comment == "" {
		comment = "no comment"
	}
	return fmt.Sprintf("%d %s %s (%s)", k.bits, k.Fingerprint(), comment, typeLabel(k.Type()))
}

// String describes the key without anything secret: type, fingerprint and
// comment.
func (k *Key) String() string {
	return fmt.Sprintf("%s %s %s", k.Type(), k.Fingerprint(), k.comment)
}

func typeLabel(t string) string {
	switch t {
	case ssh.KeyAlgoED25519:
		return "ED25519"
	case ssh.KeyAlgoRSA:
		return "RSA"
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		return "ECDSA"
	case ssh.KeyAlgoSKED25519:
		return "ED25519-SK"
	case ssh.KeyAlgoSKECDSA256:
		return "ECDSA-SK"
	}
	return strings.ToUpper(t)
}

// bitsOf returns the size ssh-keygen reports for a public key.
func bitsOf(pub ssh.PublicKey) int {
	switch pub.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoSKED25519:
		return 256
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoSKECDSA256:
		return 256
	case ssh.KeyAlgoECDSA384:
		return 384
	case ssh.KeyAlgoECDSA521:
		return 521
	}
	if cp, ok := pub.(ssh.CryptoPublicKey); ok {
		switch k := cp.CryptoPublicKey().(type) {
		case *rsa.PublicKey:
			return k.N.BitLen()
		case *ecdsa.PublicKey:
			return k.Curve.Params().BitSize
		}
	}
	return 0
}

func newKey(signer ssh.Signer, comment, path string) *Key {
	return &Key{signer: signer, comment: comment, path: path, bits: bitsOf(signer.PublicKey())}
}
