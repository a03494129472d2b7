package sshkey_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/assemblekit/assemble/sshkey"
)

func ExampleEnsure() {
	dir, _ := os.MkdirTemp("", "sshkey-example")
	defer os.RemoveAll(dir)
	spec := sshkey.Spec{Path: filepath.Join(dir, "id_ed25519"), Comment: "shop@assemble"}

	key, op, err := sshkey.Ensure(context.Background(), spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op, key.Type(), strings.HasPrefix(key.Fingerprint(), "SHA256:"))

	_, op, _ = sshkey.Ensure(context.Background(), spec)
	fmt.Println(op)
	// Output:
	// created ssh-ed25519 true
	// unchanged
}
