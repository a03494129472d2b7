package sshx_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
)

// multiKeyHost is a minimal SSH server with several host keys, like a stock
// Ubuntu host (ed25519, ECDSA, RSA). Go's server presents the key whose
// algorithm comes first in the client's HostKeyAlgorithms, so a client with
// Go's default order gets the ECDSA key. Every exec prints "ok".
type multiKeyHost struct {
	ln     net.Listener
	keys   map[string]ssh.Signer // by key type
	client ssh.Signer

	conns atomic.Int32 // TCP connections accepted
	auths atomic.Int32 // public-key auth attempts
	execs atomic.Int32 // commands run
	wg    sync.WaitGroup
}

func newMultiKeyHost(t *testing.T, types ...string) *multiKeyHost {
	t.Helper()
	h := &multiKeyHost{keys: map[string]ssh.Signer{}, client: newSigner(t, ssh.KeyAlgoED25519)}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			h.auths.Add(1)
			if string(key.Marshal()) == string(h.client.PublicKey().Marshal()) {
				return nil, nil
			}
			return nil, os.ErrPermission
		},
	}
	for _, typ := range types {
		s := newSigner(t, typ)
		h.keys[typ] = s
		cfg.AddHostKey(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h.ln = ln
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.conns.Add(1)
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				h.serve(c, cfg)
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); h.wg.Wait() })
	return h
}

func (h *multiKeyHost) serve(c net.Conn, cfg *ssh.ServerConfig) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "no")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			for r := range creqs {
				if r.Type != "exec" {
					_ = r.Reply(false, nil)
					continue
				}
				_ = r.Reply(true, nil)
				h.execs.Add(1)
				_, _ = ch.Write([]byte("ok\n"))
				_ = ch.CloseWrite()
				_, _ = ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, 0))
				return
			}
		}()
	}
}

func (h *multiKeyHost) Addr() string { return h.ln.Addr().String() }

func (h *multiKeyHost) key(typ string) ssh.PublicKey { return h.keys[typ].PublicKey() }

func newSigner(t *testing.T, typ string) ssh.Signer {
	t.Helper()
	var priv any
	var err error
	switch typ {
	case ssh.KeyAlgoED25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case ssh.KeyAlgoECDSA256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ssh.KeyAlgoRSA:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		t.Fatalf("no key type %s", typ)
	}
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s
}

// writeKnownHosts writes lines to a fresh known_hosts file and returns its path.
func writeKnownHosts(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return path
}

func knownHostsConfig(t *testing.T, h *multiKeyHost, addr string, files ...string) sshx.Config {
	t.Helper()
	cb, err := sshx.KnownHosts(files...)
	require.NoError(t, err)
	return sshx.Config{
		Addr:            addr,
		User:            "root",
		HostKeyCallback: cb,
		Signers:         []ssh.Signer{h.client},
		// Whatever addr names, the TCP connection goes to the loopback host.
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, h.Addr())
		},
	}
}

var ubuntuKeys = []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoRSA}

func TestKnownHostsOnlyEd25519OnHostWithSeveralKeys(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	ed := h.key(ssh.KeyAlgoED25519)
	_, port, _ := net.SplitHostPort(h.Addr())
	addr := net.JoinHostPort("builder.example.test", port) // a [host]:port entry, resolved by cfg.Dial
	plain := writeKnownHosts(t, "# only the ed25519 key, as ssh-keyscan -t ed25519 writes it",
		knownhosts.Line([]string{knownhosts.Normalize(addr)}, ed))
	hashed := writeKnownHosts(t, knownhosts.Line([]string{knownhosts.HashHostname(knownhosts.Normalize(addr))}, ed))

	for name, path := range map[string]string{"plain": plain, "hashed": hashed} {
		t.Run(name, func(t *testing.T) {
			conns, auths := h.conns.Load(), h.auths.Load()
			c, err := sshx.Dial(context.Background(), knownHostsConfig(t, h, addr, path))
			require.NoError(t, err)
			defer c.Close()
			require.Equal(t, ed.Marshal(), c.HostKey().Marshal(), "the host must present the known ed25519 key")
			out, err := c.Output(context.Background(), "true")
			require.NoError(t, err)
			require.Equal(t, "ok\n", out)
			// One refused handshake (ECDSA offered, nothing sent), one good one.
			require.EqualValues(t, 2, h.conns.Load()-conns)
			require.EqualValues(t, 1, h.auths.Load()-auths, "no auth on the refused connection")
		})
	}
}

func TestKnownHostsKeyOfEveryTypeConnectsOnce(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	var lines []string
	for _, typ := range ubuntuKeys {
		lines = append(lines, knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, h.key(typ)))
	}
	c, err := sshx.Dial(context.Background(), knownHostsConfig(t, h, h.Addr(), writeKnownHosts(t, lines...)))
	require.NoError(t, err)
	_ = c.Close()
	require.EqualValues(t, 1, h.conns.Load())
}

func TestKnownHostsRSAOnlyOnHostWithSeveralKeys(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	rsaKey := h.key(ssh.KeyAlgoRSA)
	path := writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, rsaKey))
	c, err := sshx.Dial(context.Background(), knownHostsConfig(t, h, h.Addr(), path))
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, rsaKey.Marshal(), c.HostKey().Marshal())
	require.EqualValues(t, 2, h.conns.Load())
}

func TestKnownHostsDifferentEd25519IsMismatch(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	stale := newSigner(t, ssh.KeyAlgoED25519).PublicKey()
	path := writeKnownHosts(t, knownhosts.Line([]string{knownhosts.HashHostname(knownhosts.Normalize(h.Addr()))}, stale))
	_, err := sshx.Dial(context.Background(), knownHostsConfig(t, h, h.Addr(), path))
	var he *sshx.HostKeyError
	require.ErrorAs(t, err, &he)
	require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Equal(t, h.Addr(), he.Addr)
	require.Equal(t, ssh.FingerprintSHA256(stale), he.Want)
	require.Equal(t, ssh.FingerprintSHA256(h.key(ssh.KeyAlgoED25519)), he.Got, "compared against the host's own ed25519 key")
	require.EqualValues(t, 2, h.conns.Load(), "one retry, no more")
	require.Zero(t, h.auths.Load())
	require.Zero(t, h.execs.Load())
}

func TestKnownHostsSameTypeMismatchFailsAtOnce(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	stale := newSigner(t, ssh.KeyAlgoECDSA256).PublicKey()
	path := writeKnownHosts(t,
		knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, stale),
		knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, h.key(ssh.KeyAlgoED25519)))
	_, err := sshx.Dial(context.Background(), knownHostsConfig(t, h, h.Addr(), path))
	var he *sshx.HostKeyError
	require.ErrorAs(t, err, &he)
	require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
	require.Equal(t, ssh.FingerprintSHA256(stale), he.Want, "names the known key of the presented type")
	require.Equal(t, ssh.FingerprintSHA256(h.key(ssh.KeyAlgoECDSA256)), he.Got)
	require.EqualValues(t, 1, h.conns.Load(), "a changed ECDSA key is a mismatch, not a reason to ask for ed25519")
	require.Zero(t, h.auths.Load())
}

func TestKnownHostsHostWithoutKnownTypeIsMismatch(t *testing.T) {
	// known_hosts has an ed25519 key; the host (replaced?) has only ECDSA.
	h := newMultiKeyHost(t, ssh.KeyAlgoECDSA256)
	known := newSigner(t, ssh.KeyAlgoED25519).PublicKey()
	path := writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, known))
	_, err := sshx.Dial(context.Background(), knownHostsConfig(t, h, h.Addr(), path))
	var he *sshx.HostKeyError
	require.ErrorAs(t, err, &he, "the refusal, not an algorithm-negotiation error")
	require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
	require.Equal(t, ssh.FingerprintSHA256(known), he.Want)
	require.Equal(t, ssh.FingerprintSHA256(h.key(ssh.KeyAlgoECDSA256)), he.Got)
	require.EqualValues(t, 2, h.conns.Load())
	require.Zero(t, h.auths.Load())
}

func TestRawKnownHostsCallbackOnHostWithSeveralKeys(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	ed := h.key(ssh.KeyAlgoED25519)
	cb, err := knownhosts.New(writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, ed)))
	require.NoError(t, err)
	cfg := knownHostsConfig(t, h, h.Addr(), os.DevNull)
	cfg.HostKeyCallback = cb
	c, err := sshx.Dial(context.Background(), cfg)
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ed.Marshal(), c.HostKey().Marshal())
}

func TestTrustOnFirstUseRecordedEd25519OnHostWithSeveralKeys(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	key := h.key(ssh.KeyAlgoED25519)
	cfg := knownHostsConfig(t, h, h.Addr(), os.DevNull)
	cfg.HostKeyCallback = sshx.TrustOnFirstUse(&key)
	c, err := sshx.Dial(context.Background(), cfg)
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, h.key(ssh.KeyAlgoED25519).Marshal(), c.HostKey().Marshal())
}

func TestPinnedEd25519OnHostWithSeveralKeysConnectsOnce(t *testing.T) {
	h := newMultiKeyHost(t, ubuntuKeys...)
	cfg := knownHostsConfig(t, h, h.Addr(), os.DevNull)
	cfg.HostKeyCallback, cfg.HostKey = nil, h.key(ssh.KeyAlgoED25519)
	c, err := sshx.Dial(context.Background(), cfg)
	require.NoError(t, err)
	_ = c.Close()
	require.EqualValues(t, 1, h.conns.Load())
}
