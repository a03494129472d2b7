package bitwarden_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/bitwarden"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func TestMain(m *testing.M) { secretstest.Main(m) }

const (
	email   = "ops@example.com"
	session = "bw-session-zq81"
)

func newProvider(t *testing.T) (*bitwarden.Provider, *secretstest.CLIs, *bytes.Buffer) {
	t.Helper()
	fakes := secretstest.NewCLIs(t)
	var logs bytes.Buffer
	return bitwarden.New(email, bitwarden.WithBinary(fakes.Path("bw")), bitwarden.WithSession(secret.New(session)),
		bitwarden.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))), fakes, &logs
}

func statusJSON(st string) string {
	return `{"serverUrl":null,"lastSync":"2026-01-01T00:00:00.000Z","userEmail":"ops@example.com","userId":"u1","status":"` + st + `"}`
}

// itemJSON mirrors `bw get item` for a secure note with hidden custom fields.
func itemJSON(fields ...[2]string) string {
	var fs []any
	for _, f := range fields {
		fs = append(fs, map[string]any{"name": f[0], "value": f[1], "type": 1, "linkedId": nil})
	}
	b, _ := json.Marshal(map[string]any{"passwordHistory": nil, "revisionDate": "2026-01-01T00:00:00.000Z", "object": "item",
		"id": "0b8c2c6e-1111-4a4b-9c1d-aaaaaaaaaaaa", "organizationId": nil, "folderId": nil, "type": 2, "reprompt": 0,
		"name": "kamal", "notes": nil, "favorite": false, "secureNote": map[string]any{"type": 0}, "fields": fs, "collectionIds": []any{}})
	return string(b)
}

func decode(t *testing.T, stdin string) map[string]any {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(stdin)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	p, fakes, _ := newProvider(t)
	fakes.On("bw", "status").Stdout(statusJSON("unlocked"))
	require.NoError(t, p.Check(ctx))
	require.Equal(t, session, fakes.Calls()[0].Env["BW_SESSION"], "the session travels in the environment")

	fakes.On("bw", "status").Stdout(statusJSON("locked"))
	err := p.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "bw unlock --raw")
	fakes.On("bw", "status").Stdout(`{"serverUrl":null,"lastSync":null,"status":"unauthenticated"}`)
	err = p.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "bw login ops@example.com")
	require.Empty(t, fakes.ArgLeaks(session))
}

func TestGetPut(t *testing.T) {
	ctx := context.Background()
	p, fakes, logs := newProvider(t)
	ref := p.Ref("KAMAL_REGISTRY_PASSWORD")

	fakes.On("bw", "sync").Stdout("Syncing complete.")
	fakes.On("bw", "get", "item", "kamal").Fail(1, "Not found.")
	fakes.On("bw", "create", "item").Stdout(itemJSON([2]string{"KAMAL_REGISTRY_PASSWORD", "pw-zq81"}))
	op, err := p.Put(ctx, ref, secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	created := decode(t, fakes.Calls()[2].Stdin)
	require.Equal(t, "kamal", created["name"])
	require.Equal(t, []any{map[string]any{"name": "KAMAL_REGISTRY_PASSWORD", "value": "pw-zq81", "type": float64(1)}}, created["fields"])

	fakes.Reset()
	fakes.On("bw", "sync").Stdout("Syncing complete.")
	fakes.On("bw", "get", "item", "kamal").Stdout(itemJSON([2]string{"KAMAL_REGISTRY_PASSWORD", "pw-zq81"}))
	op, err = p.Put(ctx, ref, secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, []string{"bw sync", "bw get item kamal"}, fakes.Commands(), "no write")

	fakes.Reset()
	fakes.On("bw", "sync").Stdout("Syncing complete.")
	fakes.On("bw", "get", "item", "kamal").Stdout(itemJSON([2]string{"KAMAL_REGISTRY_PASSWORD", "pw-zq81"}))
	fakes.On("bw", "edit", "item", "0b8c2c6e-1111-4a4b-9c1d-aaaaaaaaaaaa").Stdout("{}")
	op, err = p.Put(ctx, p.Ref("S3_SECRET_ACCESS_KEY"), secret.New("s3-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	edited := decode(t, fakes.Calls()[2].Stdin)
	require.Len(t, edited["fields"], 2)
	require.Equal(t, "item", edited["object"], "unknown keys are kept")

	fakes.Reset()
	fakes.On("bw", "sync").Stdout("Syncing complete.").Times(2)
	fakes.On("bw", "get", "item", "kamal").Stdout(itemJSON([2]string{"KAMAL_REGISTRY_PASSWORD", "pw-zq81"})).Times(2)
	v, err := p.Get(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, "pw-zq81", v.Reveal())
	_, err = p.Get(ctx, p.Ref("NOPE"))
	require.ErrorIs(t, err, ensure.ErrNotFound)

	fakes.On("bw", "sync").Fail(1, "Vault is locked.")
	_, err = p.Get(ctx, ref)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)

	for _, c := range fakes.Calls() {
		require.Equal(t, session, c.Env["BW_SESSION"])
	}
	require.Empty(t, fakes.ArgLeaks("pw-zq81", "s3-zq81", session))
	require.NotContains(t, logs.String(), "zq81")
}

func TestKamalLines(t *testing.T) {
	p := bitwarden.New(email)
	lines, err := p.KamalLines([]secrets.Ref{p.Ref("KAMAL_REGISTRY_PASSWORD"), p.Ref("S3_SECRET_ACCESS_KEY")})
	require.NoError(t, err)
	require.Equal(t, []string{
		"SECRETS=$(kamal secrets fetch --adapter bitwarden --account ops@example.com --from kamal KAMAL_REGISTRY_PASSWORD S3_SECRET_ACCESS_KEY)",
		"KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})",
		"S3_SECRET_ACCESS_KEY=$(kamal secrets extract kamal/S3_SECRET_ACCESS_KEY ${SECRETS})",
	}, lines)
	lines, err = p.KamalLines([]secrets.Ref{p.Ref("A"), {Name: "DB_PASSWORD", Item: "prod-db"}})
	require.NoError(t, err)
	require.Equal(t, []string{
		"SECRETS=$(kamal secrets fetch --adapter bitwarden --account ops@example.com kamal/A prod-db)",
		"A=$(kamal secrets extract kamal/A ${SECRETS})",
		"DB_PASSWORD=$(kamal secrets extract prod-db ${SECRETS})",
	}, lines)
	_, err = p.KamalLines([]secrets.Ref{{Name: "A", Item: "a/b", Field: "x"}})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
}
