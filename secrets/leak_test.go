package secrets_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/awssm"
	"github.com/assemblekit/assemble/secrets/bitwarden"
	"github.com/assemblekit/assemble/secrets/doppler"
	"github.com/assemblekit/assemble/secrets/file"
	"github.com/assemblekit/assemble/secrets/lastpass"
	"github.com/assemblekit/assemble/secrets/onepassword"
	"github.com/assemblekit/assemble/secrets/secretstest"
	"github.com/assemblekit/assemble/sim"
)

// The value every provider handles below; it must appear in no log line,
// error, command line, request URL or rendered .kamal/secrets line of a
// password manager (only the plain-file fallback holds raw values).
const leaky = "LEAK-zq81-\"pw\" with $ and spaces"

// TestNoSecretLeaks drives every provider through a create, an unchanged
// put, a get and a failing write whose vendor error echoes the value, and
// checks every channel a secret could escape through.
func TestNoSecretLeaks(t *testing.T) {
	ctx := context.Background()
	v := secret.New(leaky)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fakes := secretstest.NewCLIs(t)
	sm, smURL := secretstest.StartSecretsManager(t)
	dp, dpURL := secretstest.StartDoppler(t)
	dp.AddToken("dp.st.leak-token")
	dp.AddConfig("shop", "prd")
	echo := func(secretstest.Invocation) secretstest.Reply {
		return secretstest.Reply{Exit: 1, Stderr: "error: rejected value " + leaky + "\n"}
	}
	// The failing writes are the second write of each CLI; the echo makes
	// the vendor print the value back.
	op := onepassword.New("acct", "Deploy", onepassword.WithBinary(fakes.Path("op")), onepassword.WithLogger(log))
	fakes.On("op", "item", "get", "kamal", "--vault", "Deploy", "--format", "json", "--account", "acct").Fail(1, `"kamal" isn't an item in the "Deploy" vault.`).Times(2)
	fakes.On("op", "item", "create", "--vault", "Deploy", "--account", "acct", "--format", "json", "--template", secretstest.Any)
	fakes.On("op", "item", "create", "--vault", "Deploy", "--account", "acct", "--format", "json", "--template", secretstest.Any).Do(echo)

	lp := lastpass.New("me@example.com", lastpass.WithBinary(fakes.Path("lpass")), lastpass.WithLogger(log))
	fakes.On("lpass", "show", "Kamal/A", "--json").Fail(1, "Error: Could not find specified account(s).").Times(2)
	fakes.On("lpass", "add", "--sync=now", "--non-interactive", "--password", "Kamal/A")
	fakes.On("lpass", "add", "--sync=now", "--non-interactive", "--password", "Kamal/A").Do(echo)

	bw := bitwarden.New("me@example.com", bitwarden.WithBinary(fakes.Path("bw")), bitwarden.WithLogger(log), bitwarden.WithSession(secret.New("sess-zq81")))
	fakes.On("bw", "sync").Always()
	fakes.On("bw", "get", "item", "kamal").Fail(1, "Not found.").Times(2)
	fakes.On("bw", "create", "item")
	fakes.On("bw", "create", "item").Do(echo)

	dc := doppler.New("shop", "prd", doppler.WithBinary(fakes.Path("doppler")), doppler.WithLogger(log))
	fakes.On("doppler", "secrets", "get", "A", "--json", "-p", "shop", "-c", "prd").Fail(1, "Doppler Error: Could not find requested secret: A").Times(2)
	fakes.On("doppler", "secrets", "set", "A", "--silent", "--no-interactive", "-p", "shop", "-c", "prd")
	fakes.On("doppler", "secrets", "set", "A", "--silent", "--no-interactive", "-p", "shop", "-c", "prd").Do(echo)

	stores := map[string]secrets.Provider{
		"1password":     op,
		"lastpass":      lp,
		"bitwarden":     bw,
		"doppler-cli":   dc,
		"doppler-api":   doppler.New("shop", "prd", doppler.WithToken(secret.New("dp.st.leak-token")), doppler.WithBaseURL(dpURL), doppler.WithLogger(log)),
		"awssm":         awssm.New("us-east-1", awssm.WithEndpoint(smURL), awssm.WithStaticCredentials("AKIA", secret.New("aws-zq81")), awssm.WithLogger(log)),
		"file (raw ok)": file.New(t.TempDir(), file.WithLogger(log)),
	}
	var texts []string
	for name, s := range stores {
		ref := s.Ref("A")
		_, err := s.Put(ctx, ref, v)
		require.NoError(t, err, name)
		_, err = s.Put(ctx, ref, v)
		if err != nil {
			texts = append(texts, err.Error())
		}
		if name == "doppler-api" || name == "awssm" {
			got, err := s.Get(ctx, ref)
			require.NoError(t, err, name)
			require.True(t, got.Equal(v), name)
			// Make the vendor fail the next write and echo nothing we sent.
			if name == "doppler-api" {
				dp.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST"})
			} else {
				sm.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Path: "/PutSecretValue", Times: 5})
			}
			_, err = s.Put(ctx, ref, secret.New(leaky+"2"))
			require.Error(t, err, name)
			texts = append(texts, err.Error())
		}
		lines, err := s.KamalLines([]secrets.Ref{ref})
		require.NoError(t, err, name)
		if !strings.HasPrefix(name, "file") {
			texts = append(texts, lines...)
		}
	}
	// The failing CLI writes came back as errors naming the redaction.
	redacted := 0
	for _, tx := range texts {
		if strings.Contains(tx, "rejected value [REDACTED]") {
			redacted++
		}
	}
	require.Equal(t, 4, redacted, "each CLI's echoed value was scrubbed: %q", texts)

	texts = append(texts, logs.String())
	texts = append(texts, fakes.Commands()...)
	for _, r := range append(dp.Knobs().Requests(), sm.Knobs().Requests()...) {
		texts = append(texts, r.String())
	}
	for _, tx := range texts {
		for _, needle := range []string{leaky, "zq81", "leak-token"} {
			require.NotContains(t, tx, needle)
		}
	}
	require.Empty(t, fakes.Unexpected())
	// The values did reach the vendors, through the safe channels.
	var stdinOrFile int
	for _, c := range fakes.Calls() {
		for _, f := range c.Files {
			if strings.Contains(f, "LEAK-zq81") {
				stdinOrFile++
			}
		}
		if strings.Contains(c.Stdin, "LEAK-zq81") || (c.Tool == "bw" && c.Stdin != "") {
			stdinOrFile++
		}
	}
	require.Equal(t, 8, stdinOrFile)
}
