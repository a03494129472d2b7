package static_test

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/static"
)

// A host you already have, with its host key pinned: Ensure logs in, reads
// the architecture and changes nothing.
func Example() {
	host, err := buildertest.Start(buildertest.Arch("arm64")) // a simulated Ubuntu host on loopback
	if err != nil {
		panic(err)
	}
	defer host.Close()

	p := static.New(host.Addr(),
		static.WithHostKey(host.HostKey()),     // or WithHostKeyLine("ssh-ed25519 AAAA…"), WithKnownHosts(…)
		static.WithSigner(host.ClientSigner()), // the private half of the login key
	)
	srv, op, err := p.Ensure(context.Background(), server.Spec{Name: "web"})
	if err != nil {
		panic(err)
	}
	fmt.Println(op, srv.Name, srv.User, srv.Arch, srv.IPv4)
	fmt.Println("host key verified:", srv.HostKeyFingerprint == ssh.FingerprintSHA256(host.HostKey()))
	fmt.Println("commands run:", host.Commands())
	// Output:
	// unchanged web root arm64 127.0.0.1
	// host key verified: true
	// commands run: [uname -m]
}

// Trust on first use happens only when asked for: the callback is shown the
// key before any login attempt, and must accept it.
func ExampleWithTrustOnFirstUse() {
	host, err := buildertest.Start()
	if err != nil {
		panic(err)
	}
	defer host.Close()

	expected := ssh.FingerprintSHA256(host.HostKey()) // e.g. read off the host's console
	p := static.New(host.Addr(), static.WithSigner(host.ClientSigner()),
		static.WithTrustOnFirstUse(func(key ssh.PublicKey) bool {
			return ssh.FingerprintSHA256(key) == expected
		}))
	srv, _, err := p.Ensure(context.Background(), server.Spec{})
	fmt.Println(err == nil, srv.Arch)

	refuse := static.New(host.Addr(), static.WithSigner(host.ClientSigner()),
		static.WithTrustOnFirstUse(func(ssh.PublicKey) bool { return false }))
	_, _, err = refuse.Ensure(context.Background(), server.Spec{})
	var he *static.HostKeyError
	fmt.Println(errors.As(err, &he), he.Reason)
	// Output:
	// true amd64
	// true refused by the trust-on-first-use callback
}

// A host key that differs from the pinned one is refused before login.
func ExampleProvider_Ensure_mismatch() {
	host, err := buildertest.Start()
	if err != nil {
		panic(err)
	}
	defer host.Close()
	other, err := buildertest.Start() // another machine's key
	if err != nil {
		panic(err)
	}
	defer other.Close()

	p := static.New(host.Addr(), static.WithHostKey(other.HostKey()), static.WithSigner(host.ClientSigner()))
	_, _, err = p.Ensure(context.Background(), server.Spec{})
	fmt.Println(errors.Is(err, server.ErrHostKeyMismatch), len(host.Commands()))
	// Output: true 0
}

// Destroy never touches the host.
func ExampleProvider_Destroy() {
	p := static.New("203.0.113.7")
	changes, err := p.Destroy(context.Background(), server.Spec{Owner: "shop"})
	fmt.Println(len(changes), err)
	// Output: 0 <nil>
}
