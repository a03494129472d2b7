package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/file"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "app")
	defer os.RemoveAll(dir)

	store := file.New(dir)
	op, _ := store.Put(ctx, store.Ref("KAMAL_REGISTRY_PASSWORD"), secret.New("hunter2 with spaces"))
	fmt.Println(op)
	op, _ = store.Put(ctx, store.Ref("KAMAL_REGISTRY_PASSWORD"), secret.New("hunter2 with spaces"))
	fmt.Println(op)

	lines, _ := store.KamalLines([]secrets.Ref{store.Ref("KAMAL_REGISTRY_PASSWORD")})
	fmt.Println(lines[0])
	fi, _ := os.Stat(filepath.Join(dir, ".kamal", "secrets"))
	fmt.Println(fi.Mode().Perm())
	gi, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
	fmt.Print(string(gi))
	// Output:
	// created
	// unchanged
	// KAMAL_REGISTRY_PASSWORD='hunter2 with spaces'
	// -rw-------
	// /.kamal/secrets
}
