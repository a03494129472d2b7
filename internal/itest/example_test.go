package itest_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/assemblekit/assemble/internal/itest"
)

// An integration test (a TestIntegration… function in a file built with
// the integration tag) asks for its real server by the variable
// scripts/integration exports:
//
//	addr := itest.Require(t, "ASSEMBLE_SSHD_ADDR", "OpenSSH sshd")
//
// Here Require runs on a stand-in for *testing.T to show the three ways the
// test goes: it gets the value; without it, it is skipped; and without it
// under StrictEnv=1 (as scripts/integration runs), it fails.
func ExampleRequire() {
	const env = "ASSEMBLE_EXAMPLE_SSHD_ADDR"
	defer restore(env)()
	defer restore(itest.StrictEnv)()

	os.Setenv(env, "127.0.0.1:2222")
	fmt.Println(run(env, "OpenSSH sshd"))

	os.Unsetenv(env)
	os.Unsetenv(itest.StrictEnv)
	fmt.Println(run(env, "OpenSSH sshd"))

	os.Setenv(itest.StrictEnv, "1")
	fmt.Println(run(env, "OpenSSH sshd"))
	// Output:
	// got 127.0.0.1:2222
	// skipped: OpenSSH sshd not available: ASSEMBLE_EXAMPLE_SSHD_ADDR is not set (run scripts/integration to start it)
	// failed: OpenSSH sshd not available: ASSEMBLE_EXAMPLE_SSHD_ADDR is not set (run scripts/integration to start it)
}

// run calls Require as a test body would, in its own goroutine, and says how
// that test ended.
func run(env, what string) string {
	t := &stubT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.ended = "got " + itest.Require(t, env, what)
	}()
	<-done
	return t.ended
}

// stubT is the part of testing.TB that Require uses. Like testing.T, Skip
// and Fatal end the calling goroutine. The embedded TB is nil: it is there
// only to satisfy the interface.
type stubT struct {
	testing.TB
	ended string
}

func (t *stubT) Helper() {}

func (t *stubT) Skip(args ...any) {
	t.ended = "skipped: " + fmt.Sprint(args...)
	runtime.Goexit()
}

func (t *stubT) Fatal(args ...any) {
	t.ended = "failed: " + fmt.Sprint(args...)
	runtime.Goexit()
}

// restore returns a func that puts the variable back as it was.
func restore(name string) func() {
	old, ok := os.LookupEnv(name)
	return func() {
		if ok {
			os.Setenv(name, old)
		} else {
			os.Unsetenv(name)
		}
	}
}
