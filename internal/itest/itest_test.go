package itest

import "testing"

func TestRequireReturnsValue(t *testing.T) {
	t.Setenv("ASSEMBLE_TEST_X", "127.0.0.1:9")
	if got := Require(t, "ASSEMBLE_TEST_X", "x"); got != "127.0.0.1:9" {
		t.Fatalf("got %q", got)
	}
}

func TestRequireSkipsWhenAbsent(t *testing.T) {
	t.Setenv(StrictEnv, "")
	ran := false
	t.Run("inner", func(t *testing.T) {
		Require(t, "ASSEMBLE_TEST_NOT_SET", "x")
		ran = true
	})
	if ran {
		t.Fatal("Require did not stop the test")
	}
}
