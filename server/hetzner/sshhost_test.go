package hetzner_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
)

// hosts attaches a minimal SSH server (x/crypto/ssh on 127.0.0.1:0) to every
// server the simulator boots, presenting the host key from its user data, and
// dials simulated addresses through to them.
type hosts struct {
	t  testing.TB
	mu sync.Mutex
	// byAddr maps "127.0.1.x:22" to the listener's real address.
	byAddr map[string]string
	// override, when set for an address, is the host key presented instead.
	override map[string]ssh.Signer
	dials    int
}

func attachHosts(t testing.TB, sim *hetznertest.Server) *hosts {
	h := &hosts{t: t, byAddr: map[string]string{}, override: map[string]ssh.Signer{}}
	sim.OnBoot(func(ctx context.Context, b hetznertest.Boot) error {
		ud, err := server.ParseUserData(b.UserData)
		if err != nil {
			return err
		}
		if ud.HostKey == nil {
			return fmt.Errorf("no host key in user data")
		}
		addr := net.JoinHostPort(b.IPv4.String(), "22")
		key := ud.HostKey
		h.mu.Lock()
		if o := h.override[addr]; o != nil {
			key = o
		}
		h.mu.Unlock()
		real := serveSSH(t, key)
		h.mu.Lock()
		h.byAddr[addr] = real
		h.mu.Unlock()
		return nil
	})
	return h
}

func (h *hosts) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	h.mu.Lock()
	real, ok := h.byAddr[addr]
	h.dials++
	h.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("dial %s: connection refused (no simulated host)", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, real)
}

// serveSSH starts an SSH server that accepts any public key and closes
// sessions at once; it returns its address.
func serveSSH(t testing.TB, hostKey ssh.Signer) string {
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) { return nil, nil }}
	cfg.AddHostKey(hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for ch := range chans {
					_ = ch.Reject(ssh.Prohibited, "no sessions here")
				}
			}()
		}
	}()
	return ln.Addr().String()
}
