package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/secret"
)

// A hostile or careless registry that echoes the password back in its error
// message: the error must not carry it.
func TestNoSecretFromEchoingRegistry(t *testing.T) {
	const pw = "echo-me-p4ssw0rd"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(403)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{
			{"code": "DENIED", "message": "user " + u + " with password " + p + " may not push"},
		}})
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	var logs bytes.Buffer
	l := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, _, err := registry.Ensure(context.Background(),
		registry.Spec{Server: host, Username: "alice", Password: secret.New(pw), Image: "me/shop"},
		registry.WithLogger(l))
	require.ErrorIs(t, err, ensure.ErrForbidden)
	require.Contains(t, err.Error(), "[REDACTED]", "the registry's message is kept, scrubbed")
	require.NotContains(t, err.Error(), pw)
	require.NotContains(t, logs.String(), pw)
	require.NotEmpty(t, logs.String())
}

// A registry on another loopback address that speaks plain HTTP needs
// Insecure; without it the error says so.
func TestInsecureLoopback(t *testing.T) {
	srv := newSimAt(t, "127.0.0.2:0")
	spec := registry.Spec{Server: srv.Host(), Username: "alice", Password: secret.New(alicePW), Image: "me/shop"}
	_, _, err := registry.Ensure(context.Background(), spec, fast())
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.Contains(t, err.Error(), "plain HTTP")

	spec.Insecure = true
	_, _, err = registry.Ensure(context.Background(), spec, fast())
	require.NoError(t, err)
}
