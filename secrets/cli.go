package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// CLI runs one password manager's command-line tool for a provider. Values
// go to the tool on stdin or in SecretEnv, never in its arguments; every
// known value is scrubbed from the tool's stderr before it becomes an error.
type CLI struct {
	// Store is the Kamal adapter name used in errors ("1password").
	Store string
	// Binary is the tool's path, or its name looked up in PATH.
	Binary string
	// Install says how to get the tool, for the error when it is missing.
	Install string
	// Env holds extra KEY=VALUE pairs added to the process environment.
	Env []string
	// SecretEnv holds environment variables whose values are secrets
	// (BW_SESSION, DOPPLER_TOKEN); they are scrubbed from stderr too.
	SecretEnv map[string]secret.Value
	// Logger receives one Debug line per command (arguments only).
	Logger *slog.Logger
}

// ExitError is a tool run that did not succeed: it could not start, or it
// exited non-zero. Stderr is already scrubbed.
type ExitError struct {
	Binary string
	Args   []string
	// Code is the exit status; -1 when the tool did not run to completion.
	Code   int
	Stderr string
	Err    error
}

// Error renders the command and the scrubbed stderr.
func (e *ExitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("%s %s: exit %d: %s", e.Binary, strings.Join(e.Args, " "), e.Code, msg)
}

// Unwrap returns the underlying exec error, if any.
func (e *ExitError) Unwrap() error { return e.Err }

// Available returns nil when the tool can be found, and otherwise an *Error
// unwrapping to ensure.ErrPrecondition that says what to install.
func (c *CLI) Available() error {
	if _, err := exec.LookPath(c.Binary); err != nil {
		return &Error{Op: "check", Store: c.Store, Err: ensure.ErrPrecondition,
			Message: fmt.Sprintf("%s is not installed or not in PATH", c.Binary), Fix: c.Install}
	}
	return nil
}

// Run runs the tool with args, feeding it stdin (nil for none). scrub lists
// values to redact from stderr in addition to SecretEnv. A non-zero exit is
// an *ExitError.
func (c *CLI) Run(ctx context.Context, stdin []byte, scrub []secret.Value, args ...string) ([]byte, error) {
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.DebugContext(ctx, "run password manager cli", "store", c.Store, "cmd", c.Binary, "args", args, "stdin_bytes", len(stdin))
	cmd := exec.CommandContext(ctx, c.Binary, args...)
	cmd.Env = append(os.Environ(), c.Env...)
	for k, v := range c.SecretEnv {
		cmd.Env = append(cmd.Env, k+"="+v.Reveal())
		scrub = append(scrub, v)
	}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("run %s: %w", c.Binary, ctx.Err())
	}
	code := -1
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		err = nil
	}
	msg := secret.Scrub(stderr.String(), scrub...)
	if msg == "" {
		// Some tools print their errors on stdout.
		msg = secret.Scrub(firstLine(stdout.String()), scrub...)
	}
	return nil, &ExitError{Binary: c.Binary, Args: args, Code: code, Stderr: msg, Err: err}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
