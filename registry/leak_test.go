package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/registry/registrytest"
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

// tokenTap records the tokens a token endpoint hands out.
type tokenTap struct {
	rt     http.RoundTripper
	tokens []string
}

func (t *tokenTap) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(r)
	if err != nil || r.URL.Path != "/token" {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if rerr != nil {
		return nil, rerr
	}
	var tr struct{ Token string }
	if json.Unmarshal(body, &tr) == nil && tr.Token != "" {
		t.tokens = append(t.tokens, tr.Token)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// The tokens the registry issues are credentials too: whether the claims
// grant push or refuse it, neither the logs nor the error carry one (nor
// any part of it: a JWT's claims segment alone would show the grant).
func TestNoTokenInLogsOrErrors(t *testing.T) {
	srv := newSim(t, registrytest.WithBearer())
	srv.AddUser("reader", "reader-pw-77aa", "pull")
	for _, spec := range []registry.Spec{aliceSpec(srv, "me/shop"),
		{Server: srv.Host(), Username: "reader", Password: secret.New("reader-pw-77aa"), Image: "me/shop"}} {
		tap := &tokenTap{rt: http.DefaultTransport}
		var logs bytes.Buffer
		l := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		opts := []registry.Option{registry.WithLogger(l), registry.WithTransport(tap)}
		_, _, err := registry.Ensure(context.Background(), spec, opts...)
		_, perr := registry.Plan(context.Background(), spec, opts...)
		text := logs.String()
		for _, e := range []error{err, perr} {
			if e != nil {
				text += e.Error()
			}
		}
		require.Len(t, tap.tokens, 2, "Ensure and Plan each got a token")
		for _, tok := range tap.tokens {
			for _, part := range strings.Split(tok, ".") {
				require.NotContains(t, text, part)
			}
		}
		require.NotContains(t, text, spec.Password.Reveal())
	}
}
