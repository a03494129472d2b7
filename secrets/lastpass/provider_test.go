package lastpass_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/lastpass"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func TestMain(m *testing.M) { secretstest.Main(m) }

const email = "ops@example.com"

func newProvider(t *testing.T) (*lastpass.Provider, *secretstest.CLIs, *bytes.Buffer) {
	t.Helper()
	fakes := secretstest.NewCLIs(t)
	var logs bytes.Buffer
	return lastpass.New(email, lastpass.WithBinary(fakes.Path("lpass")),
		lastpass.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))), fakes, &logs
}

// showJSON mirrors `lpass show --json`.
func showJSON(entries ...[3]string) string {
	var out []map[string]string
	for _, e := range entries {
		out = append(out, map[string]string{"id": e[0], "name": e[1][len("Kamal/"):], "fullname": e[1], "username": "",
			"password": e[2], "last_modified_gmt": "1764000000", "last_touch": "0", "group": "Kamal", "url": "http://sn", "note": ""})
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	p, fakes, _ := newProvider(t)
	fakes.On("lpass", "status", "--color", "never").Stdout("Logged in as ops@example.com.\n")
	require.NoError(t, p.Check(ctx))
	fakes.On("lpass", "status", "--color", "never").Fail(1, "Not logged in.\n")
	err := p.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "run: lpass login ops@example.com")
	fakes.On("lpass", "status", "--color", "never").Stdout("Logged in as someone@else.com.\n")
	require.ErrorIs(t, p.Check(ctx), ensure.ErrUnauthorized)
	require.Empty(t, fakes.Pending())
}

func TestGetPut(t *testing.T) {
	ctx := context.Background()
	p, fakes, logs := newProvider(t)
	ref := p.Ref("KAMAL_REGISTRY_PASSWORD")
	require.Equal(t, "Kamal/KAMAL_REGISTRY_PASSWORD", ref.Path)
	show := []string{"show", "Kamal/KAMAL_REGISTRY_PASSWORD", "--json"}

	fakes.On("lpass", show...).Fail(1, "Error: Could not find specified account(s).\n")
	fakes.On("lpass", "add", "--sync=now", "--non-interactive", "--password", "Kamal/KAMAL_REGISTRY_PASSWORD")
	op, err := p.Put(ctx, ref, secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "pw-zq81\n", fakes.Calls()[1].Stdin)

	fakes.Reset()
	fakes.On("lpass", show...).Stdout(showJSON([3]string{"4711", "Kamal/KAMAL_REGISTRY_PASSWORD", "pw-zq81"}))
	op, err = p.Put(ctx, ref, secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Len(t, fakes.Calls(), 1, "one read, no write")

	fakes.Reset()
	fakes.On("lpass", show...).Stdout(showJSON([3]string{"4711", "Kamal/KAMAL_REGISTRY_PASSWORD", "old"}))
	fakes.On("lpass", "edit", "--sync=now", "--non-interactive", "--password", "4711")
	op, err = p.Put(ctx, ref, secret.New("new-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, "new-zq81\n", fakes.Calls()[1].Stdin)

	fakes.Reset()
	fakes.On("lpass", show...).Stdout(showJSON([3]string{"4711", "Kamal/KAMAL_REGISTRY_PASSWORD", "new-zq81"}))
	v, err := p.Get(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, "new-zq81", v.Reveal())

	// Duplicates are a conflict, never a guess.
	fakes.On("lpass", show...).Stdout(showJSON([3]string{"1", "Kamal/KAMAL_REGISTRY_PASSWORD", "a"}, [3]string{"2", "Kamal/KAMAL_REGISTRY_PASSWORD", "b"}))
	_, err = p.Put(ctx, ref, secret.New("new-zq81"))
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.Contains(t, err.Error(), "lpass rm")

	fakes.On("lpass", show...).Fail(1, "Error: Could not find specified account(s).\n")
	_, err = p.Get(ctx, ref)
	require.ErrorIs(t, err, ensure.ErrNotFound)

	_, err = p.Put(ctx, ref, secret.New("two\nlines-zq81"))
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.NotContains(t, err.Error(), "zq81")

	require.Empty(t, fakes.ArgLeaks("pw-zq81", "new-zq81"))
	require.NotContains(t, logs.String(), "zq81")
}

func TestKamalLines(t *testing.T) {
	p := lastpass.New(email)
	lines, err := p.KamalLines([]secrets.Ref{p.Ref("KAMAL_REGISTRY_PASSWORD"), p.Ref("S3_SECRET_ACCESS_KEY"), {Name: "DB", Path: "Shared-Infra/Prod DB"}})
	require.NoError(t, err)
	require.Equal(t, []string{
		"SECRETS=$(kamal secrets fetch --adapter lastpass --account ops@example.com --from Kamal KAMAL_REGISTRY_PASSWORD S3_SECRET_ACCESS_KEY)",
		"SECRETS_2=$(kamal secrets fetch --adapter lastpass --account ops@example.com --from Shared-Infra 'Prod DB')",
		"KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract Kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})",
		"S3_SECRET_ACCESS_KEY=$(kamal secrets extract Kamal/S3_SECRET_ACCESS_KEY ${SECRETS})",
		"DB=$(kamal secrets extract 'Shared-Infra/Prod DB' ${SECRETS_2})",
	}, lines)
	lines, err = lastpass.New(email, lastpass.WithFolder("")).KamalLines([]secrets.Ref{{Name: "A", Path: "A"}})
	require.NoError(t, err)
	require.Equal(t, []string{"SECRETS=$(kamal secrets fetch --adapter lastpass --account ops@example.com A)",
		"A=$(kamal secrets extract A ${SECRETS})"}, lines)
}
