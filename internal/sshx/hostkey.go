package sshx

import (
	"bytes"
	"errors"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Pinned returns a callback that accepts only key, for any address.
func Pinned(key ssh.PublicKey) ssh.HostKeyCallback {
	want := key.Marshal()
	return func(hostname string, _ net.Addr, got ssh.PublicKey) error {
		if bytes.Equal(got.Marshal(), want) {
			return nil
		}
		return &HostKeyError{Addr: hostname, Want: ssh.FingerprintSHA256(key), Got: ssh.FingerprintSHA256(got), known: []ssh.PublicKey{key}}
	}
}

// KnownHosts returns a callback that checks keys against OpenSSH known_hosts
// files (plain, [host]:port and hashed entries). A mismatch or an unknown
// host fails with a *HostKeyError. A host with several host keys may first
// present one of a type the files don't list; Dial then reconnects once,
// asking only for the listed types, as OpenSSH does.
func KnownHosts(files ...string) (ssh.HostKeyCallback, error) {
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, err
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := cb(hostname, remote, key)
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) {
			he := &HostKeyError{Addr: hostname, Got: ssh.FingerprintSHA256(key)}
			// Name the known key of the presented type, else the first.
			sameType := false
			for i, w := range ke.Want {
				he.known = append(he.known, w.Key)
				if i == 0 || (!sameType && w.Key.Type() == key.Type()) {
					he.Want = ssh.FingerprintSHA256(w.Key)
					sameType = w.Key.Type() == key.Type()
				}
			}
			return he
		}
		return err
	}, nil
}

// TrustOnFirstUse returns a callback that accepts the first key it sees when
// *store is nil, records it in *store, and from then on accepts only that
// key. The callback is safe for concurrent use, but store must not be read
// while a Dial that uses it is in flight. Use it only when the caller asked
// for trust on first use; prefer a pinned key.
func TrustOnFirstUse(store *ssh.PublicKey) ssh.HostKeyCallback {
	var mu sync.Mutex
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		mu.Lock()
		defer mu.Unlock()
		if *store == nil {
			*store = key
			return nil
		}
		return Pinned(*store)(hostname, remote, key)
	}
}
