package onepassword_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/onepassword"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func TestMain(m *testing.M) { secretstest.Main(m) }

const (
	account = "my.1password.com"
	pwValue = "registry-pw-zq81"
)

func newProvider(t *testing.T) (*onepassword.Provider, *secretstest.CLIs, *bytes.Buffer) {
	t.Helper()
	fakes := secretstest.NewCLIs(t)
	var logs bytes.Buffer
	p := onepassword.New(account, "Deploy", onepassword.WithBinary(fakes.Path("op")), onepassword.WithTempDir(t.TempDir()),
		onepassword.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	return p, fakes, &logs
}

func fieldJSON(label, value string) string {
	b, _ := json.Marshal(map[string]string{"id": label, "type": "CONCEALED", "label": label, "value": value,
		"reference": "op://Deploy/kamal/" + label})
	return string(b)
}

func itemJSON(fields ...[2]string) string {
	var fs []any
	for _, f := range fields {
		fs = append(fs, map[string]string{"id": f[0], "type": "CONCEALED", "label": f[0], "value": f[1], "reference": "op://Deploy/kamal/" + f[0]})
	}
	b, _ := json.Marshal(map[string]any{"id": "abcdef123456", "title": "kamal", "version": 2,
		"vault": map[string]string{"id": "v1", "name": "Deploy"}, "category": "SECURE_NOTE", "fields": fs})
	return string(b)
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	p, fakes, _ := newProvider(t)
	fakes.On("op", "account", "get", "--account", account).Stdout("URL: https://my.1password.com\n")
	require.NoError(t, p.Check(ctx))

	fakes.On("op", "account", "get", "--account", account).Fail(1, "[ERROR] 2026/01/01 12:00:00 You are not currently signed in. Please run `op signin --help` for instructions\n")
	err := p.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "eval $(op signin --account my.1password.com)")

	missing := onepassword.New(account, "Deploy", onepassword.WithBinary(filepath.Join(t.TempDir(), "op")))
	err = missing.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	require.Contains(t, err.Error(), "install the 1Password CLI")
	require.Empty(t, fakes.Pending())
}

func TestGetPut(t *testing.T) {
	ctx := context.Background()
	p, fakes, logs := newProvider(t)
	ref := p.Ref("KAMAL_REGISTRY_PASSWORD")
	getAll := []string{"item", "get", "kamal", "--vault", "Deploy", "--format", "json", "--account", account}

	// Missing item: created from a template file.
	fakes.On("op", getAll...).Fail(1, `[ERROR] 2026/01/01 12:00:00 "kamal" isn't an item in the "Deploy" vault. Specify the item with its UUID, name, or domain.`)
	create := fakes.On("op", "item", "create", "--vault", "Deploy", "--account", account, "--format", "json", "--template", secretstest.Any).
		Stdout(itemJSON([2]string{"KAMAL_REGISTRY_PASSWORD", pwValue}))
	_ = create
	op, err := p.Put(ctx, ref, secret.New(pwValue))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	calls := fakes.Calls()
	require.Len(t, calls, 2)
	var tpl map[string]any
	for _, content := range calls[1].Files {
		require.NoError(t, json.Unmarshal([]byte(content), &tpl))
	}
	require.Equal(t, "kamal", tpl["title"])
	require.Equal(t, []any{map[string]any{"id": "KAMAL_REGISTRY_PASSWORD", "type": "CONCEALED", "label": "KAMAL_REGISTRY_PASSWORD", "value": pwValue}}, tpl["fields"])
	require.Empty(t, calls[1].Stdin)

	// Same value: one read, no write.
	fakes.Reset()
	fakes.On("op", getAll...).Stdout(itemJSON([2]string{"KAMAL_REGISTRY_PASSWORD", pwValue}))
	op, err = p.Put(ctx, ref, secret.New(pwValue))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, []string{"op " + joinArgs(getAll)}, fakes.Commands())

	// New field on the existing item: edited by id, other fields kept.
	fakes.Reset()
	fakes.On("op", getAll...).Stdout(itemJSON([2]string{"KAMAL_REGISTRY_PASSWORD", pwValue}))
	fakes.On("op", "item", "edit", "abcdef123456", "--vault", "Deploy", "--account", account, "--format", "json", "--template", secretstest.Any).Stdout("{}")
	op, err = p.Put(ctx, p.Ref("S3_SECRET_ACCESS_KEY"), secret.New("s3-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	calls = fakes.Calls()
	for _, content := range calls[1].Files {
		require.NoError(t, json.Unmarshal([]byte(content), &tpl))
	}
	require.Len(t, tpl["fields"], 2)
	require.Equal(t, "abcdef123456", tpl["id"])

	// Get runs exactly Kamal's command.
	fakes.Reset()
	fakes.On("op", "item", "get", "kamal", "--vault", "Deploy", "--fields", "label=KAMAL_REGISTRY_PASSWORD", "--format", "json", "--account", account).
		Stdout(fieldJSON("KAMAL_REGISTRY_PASSWORD", pwValue))
	v, err := p.Get(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, pwValue, v.Reveal())

	fakes.On("op", "item", "get", "kamal", "--vault", "Deploy", "--fields", "label=NOPE", "--format", "json", "--account", account).
		Fail(1, `[ERROR] 2026/01/01 12:00:00 "NOPE" isn't a field in the "kamal" item`)
	_, err = p.Get(ctx, p.Ref("NOPE"))
	require.ErrorIs(t, err, ensure.ErrNotFound)

	// A failing write whose stderr echoes the value is scrubbed.
	fakes.Reset()
	fakes.On("op", getAll...).Stdout(itemJSON())
	fakes.On("op", "item", "edit", "abcdef123456", "--vault", "Deploy", "--account", account, "--format", "json", "--template", secretstest.Any).
		Fail(1, "[ERROR] invalid value leak-zq81")
	_, err = p.Put(ctx, ref, secret.New("leak-zq81"))
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.NotContains(t, err.Error(), "zq81")
	require.Contains(t, err.Error(), "[REDACTED]")

	require.Empty(t, fakes.ArgLeaks(pwValue, "s3-zq81", "leak-zq81"))
	require.NotContains(t, logs.String(), "zq81")
	require.Empty(t, fakes.Unexpected())
}

func joinArgs(a []string) string {
	out := ""
	for i, s := range a {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

func TestKamalLines(t *testing.T) {
	p := onepassword.New("my-account", "Deploy")
	lines, err := p.KamalLines([]secrets.Ref{p.Ref("KAMAL_REGISTRY_PASSWORD"), p.Ref("S3_SECRET_ACCESS_KEY"),
		{Name: "DB_PASSWORD", Vault: "Shared Infra", Item: "db", Field: "password"}})
	require.NoError(t, err)
	require.Equal(t, []string{
		"SECRETS=$(kamal secrets fetch --adapter 1password --account my-account --from Deploy/kamal KAMAL_REGISTRY_PASSWORD S3_SECRET_ACCESS_KEY)",
		"SECRETS_2=$(kamal secrets fetch --adapter 1password --account my-account --from 'Shared Infra/db' password)",
		"KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract Deploy/kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})",
		"S3_SECRET_ACCESS_KEY=$(kamal secrets extract Deploy/kamal/S3_SECRET_ACCESS_KEY ${SECRETS})",
		"DB_PASSWORD=$(kamal secrets extract 'Shared Infra/db' ${SECRETS_2})",
	}, lines)

	_, err = p.KamalLines([]secrets.Ref{{Name: "A", Vault: "V", Item: "a/b", Field: "A"}})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	_, err = onepassword.New("", "V").KamalLines([]secrets.Ref{{Name: "A", Vault: "V", Item: "i", Field: "A"}})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
}
