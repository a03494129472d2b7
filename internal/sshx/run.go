package sshx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// Result is what a command printed. Stdout and Stderr are capped at
// MaxOutput bytes each.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// MaxOutput caps how much of each output stream Run keeps.
const MaxOutput = 4 << 20

// RunOption changes how one command runs.
type RunOption func(*runConfig)

type runConfig struct {
	timeout time.Duration
	stdin   io.Reader
	secrets []secret.Value
}

// WithTimeout bounds the command's run time; when it passes the session is
// killed and Run returns an error that unwraps to ensure.ErrTimeout.
func WithTimeout(d time.Duration) RunOption { return func(c *runConfig) { c.timeout = d } }

// WithStdin feeds r to the command's standard input, which is closed after.
func WithStdin(r io.Reader) RunOption { return func(c *runConfig) { c.stdin = r } }

// WithSecretStdin feeds v to standard input — the way to hand a command a
// secret without putting it on the command line — and scrubs v from any
// error.
func WithSecretStdin(v secret.Value) RunOption {
	return func(c *runConfig) {
		c.stdin = strings.NewReader(v.Reveal())
		c.secrets = append(c.secrets, v)
	}
}

// WithScrub names secrets that must be removed from errors (stderr echoes).
func WithScrub(vs ...secret.Value) RunOption {
	return func(c *runConfig) { c.secrets = append(c.secrets, vs...) }
}

// Run runs cmd through the login user's shell and waits for it. A non-zero
// exit is an *ExitError (the Result is returned too). Cancelling ctx, or the
// WithTimeout deadline passing, returns at once: Run asks the server to
// send the command SIGKILL and closes the session. Servers that honour the
// signal request stop the command; OpenSSH's sshd (9.2 at least) refuses
// it, and a command that neither reads its input nor writes its output then
// runs on to its end on the host. That is the behaviour assemble's commands
// are written for: they are short reads, or installs that must not be
// killed halfway (a package manager cut off mid-install leaves its lock and
// a half-configured package behind), and each is safe to run again.
// cmd must hold no secrets: it is logged at Debug level and appears in
// errors. Output is never logged.
func (c *Client) Run(ctx context.Context, cmd string, opts ...RunOption) (*Result, error) {
	var rc runConfig
	for _, o := range opts {
		o(&rc)
	}
	if rc.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, rc.timeout,
			fmt.Errorf("run %q on %s: no exit after %s: %w", cmd, c.addr, rc.timeout, ensure.ErrTimeout))
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run %q on %s: %w", cmd, c.addr, context.Cause(ctx))
	}

	start := time.Now()
	sess, err := c.conn.NewSession()
	if err != nil {
		return nil, fmt.Errorf("run %q on %s: open session: %w", cmd, c.addr, err)
	}
	defer func() { _ = sess.Close() }()

	stdout := &capped{max: MaxOutput}
	stderr := &capped{max: MaxOutput}
	sess.Stdout = stdout
	sess.Stderr = stderr
	var stdin io.WriteCloser
	if rc.stdin != nil {
		// Our own copy, not Session.Stdin: a command that exits without
		// reading its input makes the copy fail with EOF, and Session.Wait
		// would report that instead of the exit status.
		if stdin, err = sess.StdinPipe(); err != nil {
			return nil, fmt.Errorf("run %q on %s: stdin: %w", cmd, c.addr, err)
		}
	}
	if err := sess.Start(cmd); err != nil {
		return nil, fmt.Errorf("run %q on %s: start: %w", cmd, c.addr, err)
	}
	if stdin != nil {
		go func() {
			_, _ = io.Copy(stdin, rc.stdin)
			_ = stdin.Close()
		}()
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	select {
	case err = <-done:
	case <-ctx.Done():
		// OpenSSH delivers the signal to the command; closing the
		// channel cuts it off for servers that don't.
		_ = sess.Signal(ssh.SIGKILL)
		_ = sess.Close()
		c.log.Debug("ssh run cancelled", "addr", c.addr, "cmd", cmd, "elapsed", time.Since(start))
		return nil, fmt.Errorf("run %q on %s: %w", cmd, c.addr, context.Cause(ctx))
	}

	res := &Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var ee *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitStatus()
		xe := &ExitError{Addr: c.addr, Cmd: cmd, Code: ee.ExitStatus(), Stderr: scrubStderr(res.Stderr, rc.secrets)}
		if ee.Signal() != "" {
			xe.Code, xe.Signal = -1, ee.Signal()
			res.ExitCode = -1
		}
		c.log.Debug("ssh run", "addr", c.addr, "cmd", cmd, "exit", xe.Code, "signal", xe.Signal, "elapsed", time.Since(start))
		return res, xe
	default:
		c.log.Debug("ssh run failed", "addr", c.addr, "cmd", cmd, "err", err, "elapsed", time.Since(start))
		return res, fmt.Errorf("run %q on %s: %w", cmd, c.addr, err)
	}
	c.log.Debug("ssh run", "addr", c.addr, "cmd", cmd, "exit", 0, "elapsed", time.Since(start))
	return res, nil
}

// Output runs cmd and returns its stdout; see Run.
func (c *Client) Output(ctx context.Context, cmd string, opts ...RunOption) (string, error) {
	res, err := c.Run(ctx, cmd, opts...)
	if res == nil {
		return "", err
	}
	return string(res.Stdout), err
}

func scrubStderr(b []byte, secrets []secret.Value) string {
	s := secret.Scrub(string(b), secrets...)
	s = strings.TrimSpace(s)
	if len(s) > MaxStderr {
		s = s[:MaxStderr] + "…(truncated)"
	}
	return s
}

// capped is a buffer that keeps the first max bytes and drops the rest, so a
// chatty command can't exhaust memory.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}
