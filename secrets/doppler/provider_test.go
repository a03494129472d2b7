package doppler_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/doppler"
	"github.com/assemblekit/assemble/secrets/secretstest"
	"github.com/assemblekit/assemble/sim"
)

func TestMain(m *testing.M) { secretstest.Main(m) }

const token = "dp.pt.token-zq81"

func logger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestAPI(t *testing.T) {
	ctx := context.Background()
	d, url := secretstest.StartDoppler(t)
	d.AddToken(token)
	d.AddConfig("shop", "prd")
	var logs bytes.Buffer
	p := doppler.New("shop", "prd", doppler.WithToken(secret.New(token)), doppler.WithBaseURL(url), doppler.WithLogger(logger(&logs)))
	require.NoError(t, p.Check(ctx))

	ref := p.Ref("KAMAL_REGISTRY_PASSWORD")
	op, err := p.Put(ctx, ref, secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	v, ok := d.Value("shop", "prd", "KAMAL_REGISTRY_PASSWORD")
	require.True(t, ok)
	require.Equal(t, "pw-zq81", v)

	mark := d.Knobs().Mark()
	op, err = p.Put(ctx, ref, secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(d.Knobs().Since(mark)), "no write when unchanged")

	op, err = p.Put(ctx, ref, secret.New("pw2-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, 2, d.Knobs().Count(http.MethodPost, "/v3/configs/config/secrets"))

	got, err := p.Get(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, "pw2-zq81", got.Reveal())
	_, err = p.Get(ctx, p.Ref("MISSING"))
	require.ErrorIs(t, err, ensure.ErrNotFound)

	// Errors: bad token, missing config, injected 500 — typed, scrubbed.
	bad := doppler.New("shop", "prd", doppler.WithToken(secret.New("dp.pt.wrong-zq81")), doppler.WithBaseURL(url))
	err = bad.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.NotContains(t, err.Error(), "zq81")
	err = doppler.New("shop", "dev", doppler.WithToken(secret.New(token)), doppler.WithBaseURL(url)).Check(ctx)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	d.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/v3/configs/config/secrets", Status: 500})
	_, err = p.Put(ctx, ref, secret.New("pw3-zq81"))
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.NotContains(t, err.Error(), "zq81")
	require.NotContains(t, logs.String(), "zq81")

	_, err = p.Put(ctx, secrets.Ref{Name: "lower", Project: "shop", Config: "prd"}, secret.New("x"))
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
}

func TestCLI(t *testing.T) {
	ctx := context.Background()
	fakes := secretstest.NewCLIs(t)
	var logs bytes.Buffer
	p := doppler.New("shop", "prd", doppler.WithBinary(fakes.Path("doppler")), doppler.WithLogger(logger(&logs)))

	fakes.On("doppler", "me", "--json").Stdout(`{"name":"laptop","type":"cli","workplace":{"name":"Shop","slug":"shop"}}`)
	require.NoError(t, p.Check(ctx))
	fakes.On("doppler", "me", "--json").Fail(1, "Doppler Error: you must provide a token")
	err := p.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "doppler login")

	get := []string{"secrets", "get", "KAMAL_REGISTRY_PASSWORD", "--json", "-p", "shop", "-c", "prd"}
	set := []string{"secrets", "set", "KAMAL_REGISTRY_PASSWORD", "--silent", "--no-interactive", "-p", "shop", "-c", "prd"}
	fakes.On("doppler", get...).Fail(1, "Doppler Error: Could not find requested secret: KAMAL_REGISTRY_PASSWORD")
	fakes.On("doppler", set...)
	op, err := p.Put(ctx, p.Ref("KAMAL_REGISTRY_PASSWORD"), secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "pw-zq81", fakes.Calls()[3].Stdin)

	fakes.Reset()
	fakes.On("doppler", get...).Stdout(`{"KAMAL_REGISTRY_PASSWORD":{"computed":"pw-zq81","computedValueType":{"type":"string"},"note":"","raw":"pw-zq81","rawValueType":{"type":"string"}}}`).Times(2)
	op, err = p.Put(ctx, p.Ref("KAMAL_REGISTRY_PASSWORD"), secret.New("pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	v, err := p.Get(ctx, p.Ref("KAMAL_REGISTRY_PASSWORD"))
	require.NoError(t, err)
	require.Equal(t, "pw-zq81", v.Reveal())
	require.Len(t, fakes.Calls(), 2, "reads only")

	require.Empty(t, fakes.ArgLeaks("pw-zq81"))
	require.NotContains(t, logs.String(), "zq81")
}

func TestKamalLines(t *testing.T) {
	p := doppler.New("shop", "prd")
	lines, err := p.KamalLines([]secrets.Ref{p.Ref("KAMAL_REGISTRY_PASSWORD"), p.Ref("S3_SECRET_ACCESS_KEY"),
		{Name: "SHARED_KEY", Project: "common", Config: "prd"}})
	require.NoError(t, err)
	require.Equal(t, []string{
		"SECRETS=$(kamal secrets fetch --adapter doppler --from shop/prd KAMAL_REGISTRY_PASSWORD S3_SECRET_ACCESS_KEY)",
		"SECRETS_2=$(kamal secrets fetch --adapter doppler --from common/prd SHARED_KEY)",
		"KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract KAMAL_REGISTRY_PASSWORD ${SECRETS})",
		"S3_SECRET_ACCESS_KEY=$(kamal secrets extract S3_SECRET_ACCESS_KEY ${SECRETS})",
		"SHARED_KEY=$(kamal secrets extract SHARED_KEY ${SECRETS_2})",
	}, lines)
	_, err = p.KamalLines([]secrets.Ref{{Name: "A", Project: "x y", Config: "prd"}})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
}
