package server

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"

	"golang.org/x/crypto/ssh"
)

// LabelPrefix starts every label key the SDK itself sets.
const LabelPrefix = "assemble-"

// OwnerLabel is the label key that marks a resource as created by the recipe
// whose name is its value.
const OwnerLabel = LabelPrefix + "owner"

// HostKeyLabel is the label key holding the pinned host key's fingerprint
// (see HostKeyLabelValue).
const HostKeyLabel = LabelPrefix + "hostkey"

// labelEncoding is lowercase base32 without padding: only letters and
// digits, so a value never starts or ends with the "-" or "_" that label
// values forbid there (base64url would, now and then).
var labelEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// HostKeyLabelValue encodes the SHA256 fingerprint of key so it fits a label
// value (at most 63 characters of [A-Za-z0-9._-], alphanumeric at both
// ends): the digest in lowercase base32, 52 characters.
func HostKeyLabelValue(key ssh.PublicKey) string {
	sum := sha256.Sum256(key.Marshal())
	return labelEncoding.EncodeToString(sum[:])
}

// FingerprintFromLabel turns a HostKeyLabel value back into the
// "SHA256:…" form ssh.FingerprintSHA256 prints; "" if v is not one.
func FingerprintFromLabel(v string) string {
	b, err := labelEncoding.DecodeString(v)
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(b)
}

// OwnedLabels returns the labels the SDK puts on every resource it creates for s:
// s.Labels plus the owner label.
func (s Spec) OwnedLabels() map[string]string {
	out := make(map[string]string, len(s.Labels)+1)
	for k, v := range s.Labels {
		out[k] = v
	}
	out[OwnerLabel] = s.Owner
	return out
}

// OwnedBy reports whether labels mark a resource as owned by owner.
func OwnedBy(labels map[string]string, owner string) bool {
	return owner != "" && labels[OwnerLabel] == owner
}
