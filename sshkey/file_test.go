package sshkey

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

func sshKeygen(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen not installed (Debian: apt-get install openssh-client); comparison with the real tool skipped")
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %v: %s", name, args, out)
	return strings.TrimSpace(string(out))
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	require.NoError(t, err)
	return fi.Mode().Perm()
}

func TestEnsureGeneratesThenKeeps(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "keys", "nested")
	path := filepath.Join(dir, "id_ed25519")

	k, op, err := Ensure(ctx, Spec{Path: path, Comment: "shop@assemble"})
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, os.FileMode(0o600), mode(t, path))
	require.Equal(t, os.FileMode(0o644), mode(t, path+".pub"))
	require.Equal(t, os.FileMode(0o700), mode(t, dir))
	require.Equal(t, "ssh-ed25519", k.Type())
	require.True(t, strings.HasSuffix(k.AuthorizedKey(), " shop@assemble"))

	before, _ := os.ReadFile(path)
	k2, op, err := Ensure(ctx, Spec{Path: path})
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, k.Fingerprint(), k2.Fingerprint())
	require.Equal(t, "shop@assemble", k2.Comment())
	after, _ := os.ReadFile(path)
	require.Equal(t, before, after, "second Ensure rewrote the key")

	kg := sshKeygen(t)
	require.Equal(t, run(t, kg, "-lf", path+".pub"), k.FingerprintLine())
	require.Equal(t, "256 MD5:"+k.FingerprintMD5()+" shop@assemble (ED25519)", run(t, kg, "-E", "md5", "-lf", path+".pub"))
	// ssh-keygen reads the private key we wrote and derives the same public key.
	require.Equal(t, strings.Fields(k.AuthorizedKey())[1], strings.Fields(run(t, kg, "-y", "-f", path))[1])
}

func TestEnsureWithPassphrase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "id_ed25519")
	pass := secret.New("correct horse")
	k, op, err := Ensure(ctx, Spec{Path: path, Passphrase: pass})
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)

	_, _, err = Ensure(ctx, Spec{Path: path})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "no passphrase was given")

	_, _, err = Ensure(ctx, Spec{Path: path, Passphrase: secret.New("wrong")})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "passphrase is wrong")
	require.NotContains(t, err.Error(), "wrong\"")

	k2, op, err := Ensure(ctx, Spec{Path: path, Passphrase: pass})
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, k.Fingerprint(), k2.Fingerprint())

	kg := sshKeygen(t)
	// The real tool opens it with the passphrase, and not without.
	require.Equal(t, strings.Fields(k.AuthorizedKey())[1], strings.Fields(run(t, kg, "-y", "-P", "correct horse", "-f", path))[1])
	if out, err := exec.Command(kg, "-y", "-P", "", "-f", path).CombinedOutput(); err == nil {
		t.Fatalf("ssh-keygen opened the key without its passphrase: %s", out)
	}
}

func TestLoadKeysMadeBySSHKeygen(t *testing.T) {
	kg := sshKeygen(t)
	cases := []struct{ typ, bits, pass string }{
		{"ed25519", "", ""},
		{"ed25519", "", "pw ed"},
		{"rsa", "2048", ""},
		{"rsa", "2048", "pw rsa"},
		{"ecdsa", "256", ""},
		{"ecdsa", "384", "pw ecdsa"},
		{"ecdsa", "521", ""},
	}
	for _, c := range cases {
		name := c.typ + c.bits
		if c.pass != "" {
			name += "-passphrase"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "id_"+c.typ)
			args := []string{"-q", "-t", c.typ, "-N", c.pass, "-C", "made-by-" + name, "-f", path}
			if c.bits != "" {
				args = append(args, "-b", c.bits)
			}
			run(t, kg, args...)
			k, op, err := Ensure(context.Background(), Spec{Path: path, Passphrase: secret.New(c.pass)})
			require.NoError(t, err)
			require.Equal(t, ensure.Unchanged, op)
			require.Equal(t, run(t, kg, "-lf", path+".pub"), k.FingerprintLine())
			md5 := run(t, kg, "-E", "md5", "-lf", path+".pub")
			require.Contains(t, md5, "MD5:"+k.FingerprintMD5()+" ")
			require.Equal(t, "made-by-"+name, k.Comment())
			// The signer really signs with this key.
			sig, err := k.Signer().Sign(nil, []byte("data"))
			require.NoError(t, err)
			require.NoError(t, k.PublicKey().Verify([]byte("data"), sig))
		})
	}
}

func TestMissingPubIsWritten(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "id")
	k, _, err := Ensure(ctx, Spec{Path: path})
	require.NoError(t, err)
	require.NoError(t, os.Remove(path+".pub"))
	k2, op, err := Ensure(ctx, Spec{Path: path})
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, k.Fingerprint(), k2.Fingerprint())
	require.Equal(t, os.FileMode(0o644), mode(t, path+".pub"))
}

func TestBadInputNeverOverwrites(t *testing.T) {
	ctx := context.Background()
	otherDir := t.TempDir()
	other, _, err := Ensure(ctx, Spec{Path: filepath.Join(otherDir, "other")})
	require.NoError(t, err)
	otherPub, _ := os.ReadFile(filepath.Join(otherDir, "other.pub"))

	cases := []struct {
		name    string
		setup   func(t *testing.T, path string)
		want    error
		message string
	}{
		{"directory", func(t *testing.T, p string) { require.NoError(t, os.Mkdir(p, 0o700)) }, ensure.ErrInvalidSpec, "is a directory"},
		{"too open", func(t *testing.T, p string) {
			_, _, err := Ensure(ctx, Spec{Path: p})
			require.NoError(t, err)
			require.NoError(t, os.Chmod(p, 0o644))
		}, ensure.ErrInvalidSpec, "chmod 600"},
		{"foreign pub", func(t *testing.T, p string) {
			_, _, err := Ensure(ctx, Spec{Path: p})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p+".pub", otherPub, 0o644))
		}, ensure.ErrInvalidSpec, "belongs to a different key"},
		{"garbage", func(t *testing.T, p string) {
			require.NoError(t, os.WriteFile(p, []byte("not a key\n"), 0o600))
		}, ensure.ErrInvalidSpec, "not a PEM"},
		{"damaged pem", func(t *testing.T, p string) {
			require.NoError(t, os.WriteFile(p, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600))
		}, ensure.ErrInvalidSpec, "regenerate"},
		{"pub without private", func(t *testing.T, p string) {
			require.NoError(t, os.WriteFile(p+".pub", otherPub, 0o644))
		}, ensure.ErrInvalidSpec, "without its private key"},
		{"empty path", nil, ensure.ErrInvalidSpec, "is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "id_ed25519")
			if c.setup == nil {
				path = ""
			} else {
				c.setup(t, path)
			}
			snap := snapshot(t, dir)
			_, _, err := Ensure(ctx, Spec{Path: path})
			require.Error(t, err)
			require.ErrorIs(t, err, c.want)
			require.Contains(t, err.Error(), c.message)
			if path != "" {
				var ke *KeyError
				require.True(t, errors.As(err, &ke), "want *KeyError, got %T", err)
				require.NotEmpty(t, ke.Fix)
			}
			require.Equal(t, snap, snapshot(t, dir), "files changed on bad input")
		})
	}
	_ = other
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if fi.IsDir() {
			out[p] = "dir " + fi.Mode().String()
			return nil
		}
		b, _ := os.ReadFile(p)
		out[p] = fi.Mode().String() + " " + string(b)
		return nil
	})
	return out
}

func TestExpandHome(t *testing.T) {
	t.Setenv("HOME", "/home/someone")
	p, err := Expand("~/.ssh/id_ed25519")
	require.NoError(t, err)
	require.Equal(t, "/home/someone/.ssh/id_ed25519", p)
	p, err = Expand("rel/./key")
	require.NoError(t, err)
	require.Equal(t, "rel/key", p)
}

// Two first runs at once: one generates the key, the other uses it.
func TestConcurrentFirstRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id_ed25519")
	const n = 8
	keys := make(chan *Key, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			k, _, err := Ensure(context.Background(), Spec{Path: path})
			keys <- k
			errs <- err
		}()
	}
	var fp string
	for range n {
		require.NoError(t, <-errs)
		k := <-keys
		if fp == "" {
			fp = k.Fingerprint()
		}
		require.Equal(t, fp, k.Fingerprint(), "runs ended with different keys")
	}
	disk, err := Load(path, secret.Value{})
	require.NoError(t, err)
	require.Equal(t, fp, disk.Fingerprint())
}
