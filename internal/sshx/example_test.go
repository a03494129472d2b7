package sshx_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
)

// Dial a host whose key is pinned, run commands, and tell a command that
// failed from one that could not run: a non-zero exit is an *ExitError
// carrying the status and the (scrubbed) stderr.
func Example() {
	// A simulated Ubuntu host on loopback stands in for the server.
	host, err := buildertest.Start()
	if err != nil {
		panic(err)
	}
	defer host.Close()

	ctx := context.Background()
	client, err := sshx.Dial(ctx, sshx.Config{
		Addr:    host.Addr(),
		User:    "root",
		HostKey: host.HostKey(), // the key the server was created with
		Signers: []ssh.Signer{host.ClientSigner()},
	})
	if err != nil {
		panic(err)
	}
	defer client.Close()

	res, err := client.Run(ctx, "echo hello")
	if err != nil {
		panic(err)
	}
	fmt.Printf("stdout %q, exit %d\n", res.Stdout, res.ExitCode)

	_, err = client.Run(ctx, "docker-compose version")
	var xe *sshx.ExitError
	if errors.As(err, &xe) {
		fmt.Printf("exit %d, not found: %t, stderr: %s\n", xe.Code, xe.NotFound(), xe.Stderr)
	}
	// Output:
	// stdout "hello\n", exit 0
	// exit 127, not found: true, stderr: bash: line 1: docker-compose: command not found
}

// A host that presents another key than the pinned one is refused before
// any command runs: the server was replaced, or someone is in the middle.
func ExampleDial_hostKeyMismatch() {
	host, err := buildertest.Start()
	if err != nil {
		panic(err)
	}
	defer host.Close()
	// The key recorded for the address before the server was rebuilt.
	old, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public())
	if err != nil {
		panic(err)
	}

	_, err = sshx.Dial(context.Background(), sshx.Config{
		Addr:    host.Addr(),
		User:    "root",
		HostKey: old,
		Signers: []ssh.Signer{host.ClientSigner()},
	})
	var he *sshx.HostKeyError
	fmt.Println("host key error:", errors.As(err, &he))
	fmt.Printf("mismatch: %t, conflict: %t\n", errors.Is(err, sshx.ErrHostKeyMismatch), errors.Is(err, ensure.ErrConflict))
	fmt.Println("commands run:", len(host.Commands()))
	// Output:
	// host key error: true
	// mismatch: true, conflict: true
	// commands run: 0
}
