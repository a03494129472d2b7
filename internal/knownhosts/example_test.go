package knownhosts_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/internal/knownhosts"
)

// hostKey returns a fixed ed25519 host key made from seed, so the output
// below is stable; a real caller has the key the server was created with.
func hostKey(seed byte) ssh.PublicKey {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	key, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		panic(err)
	}
	return key
}

// Write keeps one host's line in a known_hosts file: it adds the line next
// to what is there, does nothing when the line is already there, and swaps
// the key after the server was rebuilt with a new one. The op is about the
// file: adding a line to a file that exists updates it.
func ExampleWrite() {
	dir, err := os.MkdirTemp("", "knownhosts-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "known_hosts")

	// The user already knows another host; that line must survive.
	other := knownhosts.Line("git.example.com:22", hostKey(1))
	if err := os.WriteFile(path, []byte(other+"\n"), 0o600); err != nil {
		panic(err)
	}

	const addr = "127.0.0.1:2222"
	for _, step := range []struct {
		what string
		key  ssh.PublicKey
	}{
		{"first run", hostKey(2)},
		{"second run", hostKey(2)},
		{"server rebuilt", hostKey(3)},
	} {
		op, err := knownhosts.Write(path, addr, step.key)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %s\n", step.what, op)
	}

	content, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(content))
	// Output:
	// first run: updated
	// second run: unchanged
	// server rebuilt: updated
	// git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c
	// [127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO1JKMYo0cLG6ukDOJBZlWEpWSc6XGP5NjbBRhSshzfR
}
