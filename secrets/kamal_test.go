package secrets_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/secretstest"
)

func TestMain(m *testing.M) { secretstest.Main(m) }

func TestFetchAndExtractLines(t *testing.T) {
	f := secrets.Fetch{Var: "SECRETS", Adapter: "1password", Account: "my acct", From: "Vault/Item", Names: []string{"A", "B C"}}
	require.Equal(t, "SECRETS=$(kamal secrets fetch --adapter 1password --account 'my acct' --from Vault/Item A 'B C')", f.Line())
	require.Equal(t, "SECRETS=$(kamal secrets fetch --adapter doppler X)", secrets.Fetch{Var: "SECRETS", Adapter: "doppler", Names: []string{"X"}}.Line())
	require.Equal(t, "A=$(kamal secrets extract 'V x/A' ${SECRETS_2})", secrets.ExtractLine("A", "V x/A", "SECRETS_2"))
	require.Equal(t, "SECRETS", secrets.FetchVar("", 0))
	require.Equal(t, "OP_3", secrets.FetchVar("OP", 2))
}

func TestValidate(t *testing.T) {
	require.NoError(t, secrets.ValidateRefs([]secrets.Ref{{Name: "A"}, {Name: "_B1"}}))
	for _, bad := range [][]secrets.Ref{{{Name: ""}}, {{Name: "1A"}}, {{Name: "A-B"}}, {{Name: "A"}, {Name: "A"}}} {
		err := secrets.ValidateRefs(bad)
		var ie *ensure.InvalidError
		require.ErrorAs(t, err, &ie, "%v", bad)
	}
	require.NoError(t, secrets.ValidateWord("vault", "My Vault"))
	for _, bad := range []string{"", "a$b", "a(b", "a)b", "a`b", "a'b", "a\nb", `a"b`, "a#b"} {
		require.ErrorIs(t, secrets.ValidateWord("vault", bad), ensure.ErrInvalidSpec, bad)
	}
}

func TestError(t *testing.T) {
	err := error(&secrets.Error{Op: "get", Store: "1password", Ref: "A (V/I/A)", Err: ensure.ErrNotFound, Code: "exit 1", Message: "gone", Fix: "create it"})
	require.Equal(t, "get 1password secret A (V/I/A): not found: gone [exit 1] (create it)", err.Error())
	require.ErrorIs(t, err, ensure.ErrNotFound)
	require.Equal(t, "A (Folder/A)", secrets.Ref{Name: "A", Path: "Folder/A"}.String())
	require.Equal(t, "A (p/c)", secrets.Ref{Name: "A", Project: "p", Config: "c"}.String())
	require.Equal(t, "A (id/K)", secrets.Ref{Name: "A", Item: "id", Field: "K"}.String())
}

func TestCLIRun(t *testing.T) {
	ctx := context.Background()
	fakes := secretstest.NewCLIs(t)
	c := secrets.CLI{Store: "bitwarden", Binary: fakes.Path("bw"), Install: "npm i -g @bitwarden/cli",
		Env: []string{"BW_NOINTERACTION=true"}, SecretEnv: map[string]secret.Value{"BW_SESSION": secret.New("sess-zq81")}}
	fakes.On("bw", "get", "item", "x").Stdout("{}")
	out, err := c.Run(ctx, []byte("stdin-zq81"), nil, "get", "item", "x")
	require.NoError(t, err)
	require.Equal(t, "{}", string(out))
	call := fakes.Calls()[0]
	require.Equal(t, "stdin-zq81", call.Stdin)
	require.Equal(t, "sess-zq81", call.Env["BW_SESSION"])
	require.Equal(t, "true", call.Env["BW_NOINTERACTION"])

	fakes.On("bw", "create", "item").Fail(3, "error: bad session sess-zq81 for value pw-zq81\n")
	_, err = c.Run(ctx, nil, []secret.Value{secret.New("pw-zq81")}, "create", "item")
	var ee *secrets.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 3, ee.Code)
	require.Equal(t, "error: bad session [REDACTED] for value [REDACTED]\n", ee.Stderr)
	require.NotContains(t, err.Error(), "zq81")

	// An unexpected call fails loudly in the fake; here it is expected to.
	missing := secrets.CLI{Store: "1password", Binary: filepath.Join(t.TempDir(), "op"), Install: "install op"}
	err = missing.Available()
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	require.Contains(t, err.Error(), "install op")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Run(cctx, nil, nil, "status")
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
}
