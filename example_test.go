package assemble_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/sshkey"
)

func Example() {
	dir, _ := os.MkdirTemp("", "assemble-example")
	defer os.RemoveAll(dir)

	r := assemble.New("shop",
		assemble.WithObserver(func(e assemble.Event) {
			if e.Phase == assemble.PhaseDone {
				fmt.Println(e.Step, e.Op)
			}
		})).
		SSHKey(sshkey.File(filepath.Join(dir, "id_ed25519")))

	ctx := context.Background()
	if _, err := r.Ensure(ctx); err != nil {
		panic(err)
	}
	if _, err := r.Ensure(ctx); err != nil {
		panic(err)
	}
	// Output:
	// ssh-key created
	// ssh-key unchanged
}

func ExampleRecipe_Add() {
	r := assemble.New("shop").
		Add(&assemble.StepFunc{StepName: "migrate", StepNeeds: []string{"database"}}).
		Add(&assemble.StepFunc{StepName: "database"})
	_, err := r.Ensure(context.Background())
	fmt.Println(err)
	_, err = assemble.New("shop").Add(&assemble.StepFunc{StepName: "migrate", StepNeeds: []string{"database"}}).Ensure(context.Background())
	fmt.Println(err)
	// Output:
	// <nil>
	// check recipe "shop": step "migrate" needs database, which the recipe doesn't have (add it)
}
