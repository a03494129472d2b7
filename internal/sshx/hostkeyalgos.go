package sshx

import (
	"cmp"
	"errors"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// openSSHOrder is OpenSSH's default HostKeyAlgorithms preference for plain
// keys (ssh_config(5)); ssh-rsa (SHA-1) is only asked for last, for old hosts
// whose only known key is RSA.
var openSSHOrder = []string{
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoECDSA256,
	ssh.KeyAlgoECDSA384,
	ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoSKED25519,
	ssh.KeyAlgoSKECDSA256,
	ssh.KeyAlgoRSASHA512,
	ssh.KeyAlgoRSASHA256,
	ssh.KeyAlgoRSA,
}

// hostKeyAlgorithms returns the host-key algorithms that make a server
// present one of keys, in OpenSSH's preference order: an RSA key can be
// presented as rsa-sha2-512, rsa-sha2-256 or ssh-rsa, every other key only
// under its own type.
func hostKeyAlgorithms(keys ...ssh.PublicKey) []string {
	var algos []string
	for _, k := range keys {
		if k == nil {
			continue
		}
		if k.Type() == ssh.KeyAlgoRSA {
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
			continue
		}
		algos = append(algos, k.Type())
	}
	rank := func(a string) int {
		if i := slices.Index(openSSHOrder, a); i >= 0 {
			return i
		}
		return len(openSSHOrder) // unknown types (certificates, ...) last, stable
	}
	slices.SortStableFunc(algos, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	return slices.Compact(algos)
}

// knownKeysOf returns the keys recorded for the host when err is a host-key
// rejection that says which keys are known: a *HostKeyError from Pinned,
// KnownHosts or TrustOnFirstUse, or a raw *knownhosts.KeyError from a
// caller's own knownhosts callback.
func knownKeysOf(err error) []ssh.PublicKey {
	var he *HostKeyError
	if errors.As(err, &he) {
		return he.known
	}
	var ke *knownhosts.KeyError
	if errors.As(err, &ke) {
		known := make([]ssh.PublicKey, 0, len(ke.Want))
		for _, k := range ke.Want {
			known = append(known, k.Key)
		}
		return known
	}
	return nil
}

// retryAlgorithms decides whether a rejected handshake is worth one more try
// with HostKeyAlgorithms narrowed to the known keys: only when the host
// presented a key of a type for which nothing is recorded (it has several
// host keys and offered another one first). A key of a known type that does
// not match is a genuine mismatch and gets no retry. got is the key the host
// presented.
func retryAlgorithms(err error, got ssh.PublicKey) []string {
	known := knownKeysOf(err)
	if got == nil || len(known) == 0 {
		return nil
	}
	for _, k := range known {
		if k != nil && k.Type() == got.Type() {
			return nil
		}
	}
	return hostKeyAlgorithms(known...)
}
