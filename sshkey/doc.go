// Package sshkey gets the SSH key assemble logs in with: an ed25519 key
// generated on disk when there is none, an existing key of any type ssh
// supports, or a key held by a running ssh-agent.
//
// A Key knows everything the rest of assemble asks of it: its signer, its
// public key and authorized_keys line, and its fingerprints — SHA256 exactly
// as `ssh-keygen -lf` prints it, and the legacy MD5 form Hetzner uses.
//
// Ensure never overwrites a file. Anything it can't use — a directory where
// the key should be, a private key readable by others, a .pub that belongs to
// another key, a wrong passphrase — is a *KeyError naming the path and the
// fix.
package sshkey
