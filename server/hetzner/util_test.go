package hetzner_test

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sshFingerprint(k ssh.PublicKey) string { return ssh.FingerprintSHA256(k) }

func authorizedKey(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// captureHandler collects every log record as text.
type captureHandler struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *captureHandler) logger() *slog.Logger {
	return slog.New(&lockedHandler{c: c, h: slog.NewTextHandler(&c.buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
}

func (c *captureHandler) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *captureHandler) Reset() {
	c.mu.Lock()
	c.buf.Reset()
	c.mu.Unlock()
}

type lockedHandler struct {
	c *captureHandler
	h slog.Handler
}

func (l *lockedHandler) Enabled(ctx context.Context, lv slog.Level) bool { return true }
func (l *lockedHandler) Handle(ctx context.Context, r slog.Record) error {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return l.h.Handle(ctx, r)
}
func (l *lockedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &lockedHandler{c: l.c, h: l.h.WithAttrs(as)}
}
func (l *lockedHandler) WithGroup(n string) slog.Handler {
	return &lockedHandler{c: l.c, h: l.h.WithGroup(n)}
}
