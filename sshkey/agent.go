package sshkey

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/assemblekit/assemble/ensure"
)

// Selector picks one key from an ssh-agent. Set one of the fields; with none
// set, the agent must hold exactly one key.
type Selector struct {
	// Fingerprint matches the SHA256 ("SHA256:…") or MD5 (colon hex, with or
	// without "MD5:") fingerprint.
	Fingerprint string
	// Comment matches the key's comment exactly.
	Comment string
	// Socket is the agent's socket; default $SSH_AUTH_SOCK.
	Socket string
}

// Agent returns a Source that takes a key from a running ssh-agent.
func Agent(sel Selector) Source { return sel }

// EnsureKey implements Source: it calls FromAgent.
func (sel Selector) EnsureKey(ctx context.Context) (*Key, ensure.Op, error) {
	k, err := FromAgent(ctx, sel)
	if err != nil {
		return nil, "", err
	}
	return k, ensure.Unchanged, nil
}

// PlanKey implements Source: the same as EnsureKey, which never writes.
func (sel Selector) PlanKey(ctx context.Context) (*Key, ensure.Op, error) { return sel.EnsureKey(ctx) }

// FromAgent connects to the ssh-agent and returns the key sel picks. The
// key's signer signs through the agent, whose connection stays open for the
// life of the program.
func FromAgent(ctx context.Context, sel Selector) (*Key, error) {
	sock := sel.Socket
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock == "" {
		return nil, fmt.Errorf("use ssh-agent: %w", ensure.Invalid("ssh agent", "", "SSH_AUTH_SOCK is not set", "start ssh-agent and ssh-add your key, or use a key file"))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return nil, fmt.Errorf("use ssh-agent %s: %w: %w", sock, ensure.ErrUnavailable, err)
	}
	client := agent.NewClient(conn)
	keys, err := client.List()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("list ssh-agent keys: %w: %w", ensure.ErrUnavailable, err)
	}
	var picked []*agent.Key
	for _, k := range keys {
		if sel.matches(k) {
			picked = append(picked, k)
		}
	}
	switch {
	case len(picked) == 0:
		conn.Close()
		return nil, fmt.Errorf("use ssh-agent: %w: no key matches %s (the agent holds %d keys; ssh-add -l lists them)", ensure.ErrNotFound, sel.describe(), len(keys))
	case len(picked) > 1:
		conn.Close()
		return nil, fmt.Errorf("use ssh-agent: %w", ensure.Invalid("ssh agent key", sel.describe(), fmt.Sprintf("%d keys match", len(picked)), "select one by fingerprint"))
	}
	signers, err := client.Signers()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("use ssh-agent: %w", err)
	}
	for _, s := range signers {
		if keysEqual(s.PublicKey(), picked[0]) {
			return newKey(s, picked[0].Comment, ""), nil
		}
	}
	conn.Close()
	return nil, fmt.Errorf("use ssh-agent: %w: the agent listed the key but offers no signer for it", ensure.ErrNotFound)
}

func (sel Selector) matches(k *agent.Key) bool {
	switch {
	case sel.Fingerprint != "":
		fp := sel.Fingerprint
		return fp == ssh.FingerprintSHA256(k) || strings.TrimPrefix(fp, "MD5:") == ssh.FingerprintLegacyMD5(k)
	case sel.Comment != "":
		return k.Comment == sel.Comment
	}
	return true
}

func (sel Selector) describe() string {
	switch {
	case sel.Fingerprint != "":
		return "fingerprint " + sel.Fingerprint
	case sel.Comment != "":
		return "comment " + sel.Comment
	}
	return "any key"
}
