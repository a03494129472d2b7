package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

func ExampleDefaultFirewall() {
	for _, r := range server.DefaultFirewall() {
		fmt.Println(r)
	}
	// Output:
	// tcp/22 from 0.0.0.0/0,::/0
	// tcp/80 from 0.0.0.0/0,::/0
	// tcp/443 from 0.0.0.0/0,::/0
}

func ExampleSpec_Validate() {
	spec := server.Spec{Name: "shop_1", Type: "cx23", Location: "fsn1", Owner: "shop"}
	err := spec.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, ensure.ErrInvalidSpec))
	// Output:
	// invalid server.name "shop_1": not a valid hostname (use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash)
	// true
}

// A new server gets user data that pins its host key; a simulated host reads
// the key back out of it.
func ExampleCloudInit() {
	hk, _ := server.NewHostKey(nil)
	ud, _ := server.CloudInit{HostKey: hk, Builder: true}.Render()
	fmt.Println(ud) // a secret: it holds the host's private key

	parsed, _ := server.ParseUserData(ud.Reveal())
	fmt.Println(ssh.FingerprintSHA256(parsed.HostKey.PublicKey()) == hk.Fingerprint())
	fmt.Println(parsed.Builder, parsed.Packages)
	// Output:
	// [REDACTED]
	// true
	// true [docker.io cron]
}

// WaitSSH connects until the host answers with the pinned key, and refuses
// one that answers with another.
func ExampleWaitSSH() {
	hk, _ := server.NewHostKey(nil)
	addr, stop := exampleSSHD(hk.Signer())
	defer stop()

	key, err := server.WaitSSH(context.Background(), addr, hk.Fingerprint())
	fmt.Println(err, ssh.FingerprintSHA256(key) == hk.Fingerprint())

	other, _ := server.NewHostKey(nil)
	_, err = server.WaitSSH(context.Background(), addr, other.Fingerprint())
	fmt.Println(errors.Is(err, server.ErrHostKeyMismatch))
	// Output:
	// <nil> true
	// true
}

// exampleSSHD serves SSH key exchange on 127.0.0.1 with hostKey.
func exampleSSHD(hostKey ssh.Signer) (string, func()) {
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, chans, reqs, err := ssh.NewServerConn(c, cfg); err == nil {
					go ssh.DiscardRequests(reqs)
					for ch := range chans {
						_ = ch.Reject(ssh.Prohibited, "no")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() { ln.Close() }
}
