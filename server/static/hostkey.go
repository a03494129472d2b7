package static

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/assemblekit/assemble/ensure"
)

// hostKeyAlgos is OpenSSH's order of preference for plain host keys. Go's
// own default asks for ECDSA and RSA before ed25519, so a host with several
// keys would present one that known_hosts may not list.
var hostKeyAlgos = []string{
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
}

func algoRank(k ssh.PublicKey) int {
	t := k.Type()
	if t == ssh.KeyAlgoRSA {
		t = ssh.KeyAlgoRSASHA512
	}
	if i := slices.Index(hostKeyAlgos, t); i >= 0 {
		return i
	}
	return len(hostKeyAlgos)
}

// validateHostKeySource checks that exactly one way to verify the host key
// was chosen, before any I/O.
func (c *config) validateHostKeySource() error {
	const fix = "pin the key with static.WithHostKey or static.WithHostKeyLine, name known_hosts files with static.WithKnownHosts, or ask to be shown the key with static.WithTrustOnFirstUse"
	if c.hostKeyErr != nil {
		return ensure.Invalid("static.host_key_line", "", c.hostKeyErr.Error(), "pass the host's public key as \"ssh-ed25519 AAAA…\" (its /etc/ssh/ssh_host_ed25519_key.pub)")
	}
	switch {
	case c.hostKey != nil && len(c.knownHosts) > 0:
		return ensure.Invalid("static.host_key", "", "both a pinned key and known_hosts files were given", "use one of WithHostKey/WithHostKeyLine and WithKnownHosts")
	case c.hostKey != nil && c.tofu != nil:
		return ensure.Invalid("static.host_key", "", "a pinned key and WithTrustOnFirstUse were both given; the callback would never be asked", "drop WithTrustOnFirstUse")
	case c.hostKey == nil && len(c.knownHosts) == 0 && c.tofu == nil:
		return ensure.Invalid("static.host_key", "", "no way to verify the host key", fix)
	}
	for _, p := range c.knownHosts {
		path, err := expandHome(p)
		if err != nil {
			return ensure.Invalid("static.known_hosts", p, err.Error(), "use an absolute path")
		}
		if _, err := os.Stat(path); err != nil {
			return ensure.Invalid("static.known_hosts", p, "can't be read: "+err.Error(), "pass existing known_hosts files, e.g. ~/.ssh/known_hosts")
		}
	}
	return nil
}

func expandHome(p string) (string, error) {
	rest, ok := strings.CutPrefix(p, "~/")
	if !ok {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory for ~: %w", err)
	}
	return filepath.Join(home, rest), nil
}

// knownKeys returns the keys the known_hosts files list for t, best
// algorithm first; none when the files don't know the host.
func (c *config) knownKeys(t target) ([]ssh.PublicKey, error) {
	paths := make([]string, len(c.knownHosts))
	for i, p := range c.knownHosts {
		var err error
		if paths[i], err = expandHome(p); err != nil {
			return nil, err
		}
	}
	cb, err := knownhosts.New(paths...)
	if err != nil {
		return nil, ensure.Invalid("static.known_hosts", strings.Join(c.knownHosts, ","), err.Error(), "pass readable OpenSSH known_hosts files")
	}
	// A key no file can hold: the error lists every key known for the host.
	zero, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		return nil, err
	}
	remote := &net.TCPAddr{IP: net.IPv4zero, Port: t.port}
	if t.ip.IsValid() {
		remote.IP = t.ip.AsSlice()
	}
	var ke *knownhosts.KeyError
	if err := cb(t.addr, remote, zero); !errors.As(err, &ke) {
		return nil, fmt.Errorf("read known_hosts: %v", err)
	}
	keys := make([]ssh.PublicKey, 0, len(ke.Want))
	for _, k := range ke.Want {
		keys = append(keys, k.Key)
	}
	slices.SortStableFunc(keys, func(a, b ssh.PublicKey) int { return algoRank(a) - algoRank(b) })
	return keys, nil
}

var errGotKey = errors.New("host key received")

// probe opens one connection and returns the host key the host presents,
// without authenticating: nothing but the key exchange is sent.
func (p *Provider) probe(ctx context.Context, addr string) (ssh.PublicKey, error) {
	conn, err := p.dialer()(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	var got ssh.PublicKey
	_, _, _, err = ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User:              "probe",
		HostKeyAlgorithms: hostKeyAlgos,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			got = key
			return errGotKey
		},
	})
	if got != nil {
		p.cfg.log.DebugContext(ctx, "static: host key presented", "addr", addr, "host_key", ssh.FingerprintSHA256(got))
		return got, nil
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err == nil {
		err = errors.New("ssh handshake ended without a host key")
	}
	return nil, err
}

// candidates returns the host keys to accept, best first. Empty means the
// host is unknown, and trust on first use (if allowed) must decide.
func (p *Provider) candidates(t target) ([]ssh.PublicKey, error) {
	if p.cfg.hostKey != nil {
		return []ssh.PublicKey{p.cfg.hostKey}, nil
	}
	if len(p.cfg.knownHosts) > 0 {
		keys, err := p.cfg.knownKeys(t)
		if err != nil || len(keys) > 0 {
			return keys, err
		}
	}
	if k := p.acceptedKey(); k != nil {
		return []ssh.PublicKey{k}, nil
	}
	return nil, nil
}

// firstUse gets the host's key and asks the trust-on-first-use callback.
func (p *Provider) firstUse(ctx context.Context, t target) (ssh.PublicKey, error) {
	key, err := p.probe(ctx, t.addr)
	if err != nil {
		return nil, unreachable(ctx, t.addr, err)
	}
	fp := ssh.FingerprintSHA256(key)
	if p.cfg.tofu == nil {
		reason := "the known_hosts files have no key for this host"
		return nil, &HostKeyError{Addr: t.addr, Key: key, Got: fp,
			Reason: reason + "; check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add it to known_hosts or pin it with static.WithHostKey"}
	}
	if !p.cfg.tofu(key) {
		p.cfg.log.DebugContext(ctx, "static: host key refused by callback", "addr", t.addr, "host_key", fp)
		return nil, &HostKeyError{Addr: t.addr, Key: key, Got: fp, Reason: "refused by the trust-on-first-use callback"}
	}
	p.cfg.log.DebugContext(ctx, "static: host key accepted on first use", "addr", t.addr, "host_key", fp)
	return p.accept(key), nil
}
