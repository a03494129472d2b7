package sshkey

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// Spec says where the key lives on disk.
type Spec struct {
	// Path of the private key; "~/" is the user's home. The public key is
	// Path + ".pub".
	Path string
	// Comment is written into a generated key's .pub file; existing keys keep
	// theirs. Default: "assemble".
	Comment string
	// Passphrase protects a generated key and unlocks an existing one. Empty
	// means none.
	Passphrase secret.Value
}

// File is shorthand for a Spec with only a path.
func File(path string) Spec { return Spec{Path: path} }

// EnsureKey implements Source: it calls Ensure.
func (s Spec) EnsureKey(ctx context.Context) (*Key, ensure.Op, error) { return Ensure(ctx, s) }

// PlanKey implements Source: it loads the key if it is there (Unchanged, or
// Updated when its .pub is missing) and returns a nil key and Created when it
// is not. It writes nothing.
func (s Spec) PlanKey(ctx context.Context) (*Key, ensure.Op, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	path, err := Expand(s.Path)
	if err != nil {
		return nil, "", err
	}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Lstat(path + ".pub"); err == nil {
			return nil, "", invalid(path+".pub", "exists without its private key", "move the .pub away or restore the private key; assemble never overwrites it", nil)
		}
		return nil, ensure.Created, nil
	}
	k, err := load(path, s.Passphrase)
	if err != nil {
		return nil, "", err
	}
	if _, err := os.Lstat(path + ".pub"); err != nil {
		return k, ensure.Updated, nil
	}
	return k, ensure.Unchanged, nil
}

// Ensure makes sure an SSH key is at spec.Path and returns it.
//
// With no file there it generates an ed25519 key in OpenSSH format
// (passphrase-protected when a passphrase is given): the private key 0600,
// the public key 0644, the directory created 0700 → Created. With a key
// there it loads it and checks the .pub matches → Unchanged (or Updated when
// only the .pub was missing and is written). It never overwrites a file.
func Ensure(ctx context.Context, spec Spec) (*Key, ensure.Op, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	path, err := Expand(spec.Path)
	if err != nil {
		return nil, "", err
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, "", invalid(path, "is a directory", "give the path of a key file, e.g. "+filepath.Join(path, "id_ed25519"), nil)
	case err == nil:
		k, err := load(path, spec.Passphrase)
		if err != nil {
			return nil, "", err
		}
		op, err := ensurePub(path, k)
		return k, op, err
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", invalid(path, "can't be read", "check the path and its permissions", err)
	}
	if _, err := os.Lstat(path + ".pub"); err == nil {
		return nil, "", invalid(path+".pub", "exists without its private key", "move the .pub away or restore the private key; assemble never overwrites it", nil)
	}
	k, err := generate(path, spec)
	if errors.Is(err, errAppeared) {
		// Another run generated the key at the same moment: it is complete
		// (keys appear whole), so use it.
		k, err := load(path, spec.Passphrase)
		if err != nil {
			return nil, "", err
		}
		op, err := ensurePub(path, k)
		return k, op, err
	}
	if err != nil {
		return nil, "", err
	}
	return k, ensure.Created, nil
}

// errAppeared is a key file that another writer created while generate was
// writing it.
var errAppeared = errors.New("the key file appeared while it was being written")

// Load reads an existing private key of any type ssh supports (ed25519, RSA,
// ECDSA; OpenSSH, PKCS#1, PKCS#8 or SEC1 PEM), unlocking it with passphrase
// when it is encrypted. If path.pub exists it must belong to the key; its
// comment becomes the key's comment.
func Load(path string, passphrase secret.Value) (*Key, error) {
	p, err := Expand(path)
	if err != nil {
		return nil, err
	}
	return load(p, passphrase)
}

// Expand resolves a leading "~/" to the user's home directory and cleans the
// path.
func Expand(path string) (string, error) {
	if path == "" {
		return "", ensure.Invalid("ssh key path", "", "is empty", "give the path of the private key, e.g. ~/.ssh/id_ed25519")
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expand %q: %w", path, err)
		}
		path = filepath.Join(home, strings.TrimPrefix(path, "~"))
	}
	return filepath.Clean(path), nil
}

func load(path string, passphrase secret.Value) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, invalid(path, "can't be read", "check the path", err)
	}
	if fi.IsDir() {
		return nil, invalid(path, "is a directory", "give the path of a key file", nil)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, invalid(path, fmt.Sprintf("is readable by others (mode %04o); ssh refuses such keys", fi.Mode().Perm()),
			"run: chmod 600 "+path, nil)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, invalid(path, "can't be read", "check its permissions", err)
	}
	raw, err := parsePrivate(path, data, passphrase)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(raw)
	if err != nil {
		return nil, invalid(path, "holds a key type ssh can't use", "use an ed25519, RSA or ECDSA key", err)
	}
	comment := ""
	if pubData, err := os.ReadFile(path + ".pub"); err == nil {
		pub, c, _, _, err := ssh.ParseAuthorizedKey(pubData)
		if err != nil {
			return nil, invalid(path+".pub", "is not a public key", "delete it; assemble writes it again from the private key", err)
		}
		if !keysEqual(pub, signer.PublicKey()) {
			return nil, invalid(path+".pub", "belongs to a different key than "+filepath.Base(path),
				"delete or move the .pub; assemble writes the right one", nil)
		}
		comment = c
	}
	return newKey(signer, comment, path), nil
}

func parsePrivate(path string, data []byte, passphrase secret.Value) (any, error) {
	if block, _ := pem.Decode(data); block == nil {
		return nil, invalid(path, "is not a PEM or OpenSSH private key", "check that this is the private key, not the .pub", nil)
	}
	var (
		raw any
		err error
	)
	if passphrase.IsZero() {
		raw, err = ssh.ParseRawPrivateKey(data)
	} else {
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(data, []byte(passphrase.Reveal()))
	}
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return raw, nil
	case errors.As(err, &missing):
		return nil, badPassphrase(path, "is encrypted and no passphrase was given", "set the passphrase in the key spec, or use the key through ssh-agent")
	case errors.Is(err, x509.IncorrectPasswordError):
		return nil, badPassphrase(path, "passphrase is wrong", "check the passphrase")
	case !passphrase.IsZero() && strings.Contains(err.Error(), "not encrypted"):
		// A passphrase for a plain key is harmless: use the key.
		raw, err = ssh.ParseRawPrivateKey(data)
		if err == nil {
			return raw, nil
		}
	}
	return nil, invalid(path, "is not a private key ssh can read", "check the file; regenerate it with ssh-keygen if it is damaged", err)
}

func keysEqual(a, b ssh.PublicKey) bool {
	return a.Type() == b.Type() && string(a.Marshal()) == string(b.Marshal())
}

// ensurePub writes path.pub when it is missing.
func ensurePub(path string, k *Key) (ensure.Op, error) {
	if _, err := os.Lstat(path + ".pub"); err == nil {
		return ensure.Unchanged, nil
	}
	if k.comment == "" {
		k.comment = "assemble"
	}
	if err := writeNew(path+".pub", []byte(k.AuthorizedKey()+"\n"), 0o644); err != nil {
		if errors.Is(err, errAppeared) {
			// Another run wrote it meanwhile: it must be this key's.
			pubData, err := os.ReadFile(path + ".pub")
			if err != nil {
				return "", invalid(path+".pub", "can't be read", "check its permissions", err)
			}
			pub, _, _, _, err := ssh.ParseAuthorizedKey(pubData)
			if err != nil || !keysEqual(pub, k.PublicKey()) {
				return "", invalid(path+".pub", "belongs to a different key than "+filepath.Base(path), "delete or move the .pub; assemble writes the right one", err)
			}
			return ensure.Unchanged, nil
		}
		return "", err
	}
	return ensure.Updated, nil
}

func generate(path string, spec Spec) (*Key, error) {
	comment := spec.Comment
	if comment == "" {
		comment = "assemble"
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ssh key: %w", err)
	}
	var block *pem.Block
	if spec.Passphrase.IsZero() {
		block, err = ssh.MarshalPrivateKey(priv, comment)
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, comment, []byte(spec.Passphrase.Reveal()))
	}
	if err != nil {
		return nil, fmt.Errorf("encode ssh key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("generate ssh key: %w", err)
	}
	k := newKey(signer, comment, path)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, invalid(dir, "can't be created", "check the parent directory's permissions", err)
	}
	if err := writeNew(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(path+".pub", []byte(k.AuthorizedKey()+"\n"), 0o644); err != nil {
		return nil, err
	}
	return k, nil
}

// writeNew writes data to a temporary file and links it into place, so the
// target appears complete or not at all and an existing file is never
// replaced.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return invalid(path, "can't be written", "check the directory's permissions", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return invalid(path, "can't be written", "check the directory's permissions", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return invalid(path, "can't be written", "check free disk space", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return invalid(path, "can't be written", "check free disk space", err)
	}
	if err := f.Close(); err != nil {
		return invalid(path, "can't be written", "check free disk space", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &KeyError{Path: path, Problem: "appeared while assemble was writing it", Fix: "run again; assemble never overwrites a key", Err: errAppeared, kind: ensure.ErrConflict}
		}
		return invalid(path, "can't be written", "check the directory's permissions", err)
	}
	return nil
}
