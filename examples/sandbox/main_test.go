package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServePrintsLoopbackEndpoints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuf
	done := make(chan error)
	go func() { done <- serve(ctx, t.TempDir(), &out) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export HCLOUD_ENDPOINT=http://127.0.0.1:", "export AWS_ENDPOINT_URL_S3=http://127.0.0.1:", "export CLOUDFLARE_BASE_URL=http://127.0.0.1:", "export ASSEMBLE_REGISTRY=127.0.0.1:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
