// Package itest decides whether an integration test runs: it runs when the
// real server it needs is there (named by an environment variable the
// integration script sets) and skips with a reason otherwise — except under
// ASSEMBLE_INTEGRATION_STRICT=1, where .ci/run sets it, and a missing server
// fails the test so CI can't pass by skipping.
package itest

import (
	"os"
	"testing"
)

// StrictEnv is the variable that turns skips into failures.
const StrictEnv = "ASSEMBLE_INTEGRATION_STRICT"

// Require returns the value of env, or skips (fails when strict) the test
// with a message saying what was missing and how to start it.
func Require(t testing.TB, env, what string) string {
	t.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	msg := what + " not available: " + env + " is not set (run scripts/integration to start it)"
	if os.Getenv(StrictEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
