package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstartTwice(t *testing.T) {
	dir := t.TempDir()
	var first, second bytes.Buffer
	if err := run(context.Background(), []string{"--dir", dir}, &first); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first.String(), "created   ssh-key") {
		t.Fatalf("first run did not create the key:\n%s", first.String())
	}
	if err := run(context.Background(), []string{"--dir", dir}, &second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second.String(), "unchanged ssh-key") || strings.Contains(second.String(), "created") {
		t.Fatalf("second run was not unchanged:\n%s", second.String())
	}
}
