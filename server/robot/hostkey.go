package robot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
)

var errGotKey = errors.New("host key received")

// fetchHostKey connects once and returns the host key the server presents,
// without authenticating.
func (p *Provider) fetchHostKey(ctx context.Context, addr string) (ssh.PublicKey, error) {
	actx, cancel := context.WithTimeout(ctx, p.cfg.sshAttempt)
	defer cancel()
	conn, err := p.cfg.dial(actx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(actx, func() { conn.Close() })
	defer stop()
	var got ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User:    "root",
		Timeout: p.cfg.sshAttempt,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			got = key
			return errGotKey
		},
	}
	_, _, _, err = ssh.NewClientConn(conn, addr, cfg)
	if got != nil {
		return got, nil
	}
	if err == nil {
		err = errors.New("ssh handshake ended without a host key")
	}
	return nil, err
}

// acceptHostKey decides whether key is the server's: a pinned key must
// match; otherwise a callback decides; otherwise the order's fingerprints
// must contain it. Nothing else is accepted.
func (p *Provider) acceptHostKey(addr string, key ssh.PublicKey, orderFPs []string) error {
	got := ssh.FingerprintSHA256(key)
	switch {
	case p.cfg.pinned != nil:
		if !bytes.Equal(p.cfg.pinned.Marshal(), key.Marshal()) {
			return &HostKeyError{Addr: addr, Got: got, Want: ssh.FingerprintSHA256(p.cfg.pinned)}
		}
		return nil
	case p.cfg.hostKeyCB != nil:
		remote, _ := net.ResolveTCPAddr("tcp", addr)
		if err := p.cfg.hostKeyCB(addr, remote, key); err != nil {
			return &HostKeyError{Addr: addr, Got: got, Reason: err}
		}
		return nil
	case len(orderFPs) > 0:
		if !slices.Contains(orderFPs, ssh.FingerprintLegacyMD5(key)) {
			return &HostKeyError{Addr: addr, Got: got, Want: fmt.Sprint(orderFPs), Reason: errors.New("not among the host keys Robot reported for the order")}
		}
		return nil
	}
	return &HostKeyError{Addr: addr, Got: got, Reason: errors.New("no way to verify it: use WithPinnedHostKey or WithHostKeyCallback")}
}

// waitSSH waits until SSH at addr answers, and returns its host key once
// accepted. A refused key ends the wait at once.
func (p *Provider) waitSSH(ctx context.Context, what, addr string, orderFPs []string) (ssh.PublicKey, error) {
	start := time.Now()
	interval := p.cfg.pollMin
	for attempt := 1; ; attempt++ {
		key, err := p.fetchHostKey(ctx, addr)
		if err == nil {
			if err := p.acceptHostKey(addr, key, orderFPs); err != nil {
				return nil, err
			}
			p.cfg.log.DebugContext(ctx, "robot: ssh answered", "addr", addr, "host_key", ssh.FingerprintSHA256(key), "attempts", attempt)
			return key, nil
		}
		ensure.Report(ctx, "waiting for SSH on %s at %s (attempt %d, %s)", what, addr, attempt, time.Since(start).Round(time.Second))
		if serr := sleepCtx(ctx, interval); serr != nil {
			return nil, fmt.Errorf("wait for SSH on %s at %s: %w (last attempt: %v)", what, addr, serr, err)
		}
		interval = min(interval*2, p.cfg.pollMax)
	}
}

// sleepCtx waits d; when ctx ends first it returns ensure.ErrTimeout (for a
// deadline) or ctx's error.
// ctxErr returns ctx's error as sleepCtx reports it (a deadline wraps
// ensure.ErrTimeout), or nil while ctx is live.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %w", ensure.ErrTimeout, err)
		}
		return err
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: %w", ensure.ErrTimeout, ctx.Err())
		}
		return ctx.Err()
	}
}
