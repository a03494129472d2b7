package awssm_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/awssm"
	"github.com/assemblekit/assemble/secrets/secretstest"
	"github.com/assemblekit/assemble/sim"
)

const (
	accessKey = "AKIAASSEMBLETEST"
	secretKey = "aws-secret-key-zq81"
)

func newProvider(t *testing.T, opts ...awssm.Option) (*awssm.Provider, *secretstest.SecretsManager, *bytes.Buffer) {
	t.Helper()
	sm, url := secretstest.StartSecretsManager(t)
	sm.AccessKey = accessKey
	var logs bytes.Buffer
	base := []awssm.Option{awssm.WithEndpoint(url), awssm.WithStaticCredentials(accessKey, secret.New(secretKey)),
		awssm.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
	return awssm.New("eu-central-1", append(base, opts...)...), sm, &logs
}

func TestPutGetIdempotent(t *testing.T) {
	ctx := context.Background()
	p, sm, logs := newProvider(t)
	require.NoError(t, p.Check(ctx))

	pw := secret.New("registry-pw-zq81")
	ref := p.Ref("KAMAL_REGISTRY_PASSWORD")
	require.Equal(t, secrets.Ref{Name: "KAMAL_REGISTRY_PASSWORD", Item: "kamal", Field: "KAMAL_REGISTRY_PASSWORD"}, ref)
	op, err := p.Put(ctx, ref, pw)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	val, ok := sm.Value("kamal")
	require.True(t, ok)
	require.JSONEq(t, `{"KAMAL_REGISTRY_PASSWORD":"registry-pw-zq81"}`, val)

	mark := sm.Knobs().Mark()
	op, err = p.Put(ctx, ref, pw)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Len(t, sm.Knobs().Since(mark), 1, "one read, no write")
	require.Equal(t, 1, sm.MutatingOps(), "only the create")

	s3 := secret.New("s3-secret-zq81")
	op, err = p.Put(ctx, p.Ref("S3_SECRET_ACCESS_KEY"), s3)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, 2, sm.Versions("kamal"))
	got, err := p.Get(ctx, ref)
	require.NoError(t, err)
	require.True(t, got.Equal(pw))
	got, err = p.Get(ctx, p.Ref("S3_SECRET_ACCESS_KEY"))
	require.NoError(t, err)
	require.True(t, got.Equal(s3))

	// A whole plain-string secret.
	plain := secrets.Ref{Name: "DB_PASSWORD", Item: "shop/db"}
	op, err = p.Put(ctx, plain, secret.New("db-pw-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	v, _ := sm.Value("shop/db")
	require.Equal(t, "db-pw-zq81", v)

	_, err = p.Get(ctx, p.Ref("MISSING"))
	require.ErrorIs(t, err, ensure.ErrNotFound)
	_, err = p.Get(ctx, secrets.Ref{Name: "X", Item: "nope"})
	require.ErrorIs(t, err, ensure.ErrNotFound)
	_, err = p.Put(ctx, secrets.Ref{Name: "X", Item: "shop/db", Field: "K"}, secret.New("v-zq81"))
	require.ErrorIs(t, err, ensure.ErrConflict, "a plain secret can't take a key")
	require.NotContains(t, err.Error(), "zq81")

	require.Equal(t, []string{"CreateSecret", "PutSecretValue", "CreateSecret"}, mutating(sm.Operations()))
	require.NotContains(t, logs.String(), "zq81")
}

func mutating(ops []string) []string {
	var out []string
	for _, o := range ops {
		if o == "CreateSecret" || o == "PutSecretValue" {
			out = append(out, o)
		}
	}
	return out
}

func TestLostCreateResponseIsNotRepeated(t *testing.T) {
	ctx := context.Background()
	p, sm, _ := newProvider(t)
	sm.Knobs().Inject(sim.Fault{Kind: sim.DropAfterCommit, Path: "/CreateSecret"})
	op, err := p.Put(ctx, p.Ref("A"), secret.New("a-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, []string{"kamal"}, sm.Names())
	require.Equal(t, 1, sm.Versions("kamal"), "the retried create reused its token")

	op, err = p.Put(ctx, p.Ref("A"), secret.New("a-zq81"))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	_, url := secretstest.StartSecretsManager(t)
	err := awssm.New("eu-central-1", awssm.WithEndpoint(url)).Check(ctx)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	require.Contains(t, err.Error(), "WithStaticCredentials")

	p, sm, _ := newProvider(t, awssm.WithStaticCredentials("AKIAWRONG", secret.New(secretKey)))
	err = p.Check(ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	var se *secrets.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "UnrecognizedClientException", se.Code)
	require.NotContains(t, err.Error(), secretKey)

	sm.AccessKey = ""
	sm.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Path: "/GetSecretValue", Times: 5})
	_, err = p.Put(ctx, p.Ref("A"), secret.New("a-zq81"))
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.Equal(t, 0, sm.MutatingOps(), "nothing written after a failed read")

	_, err = p.Put(ctx, secrets.Ref{Name: "A", Item: "bad name!"}, secret.New("x"))
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	_, err = awssm.New("", awssm.WithStaticCredentials("a", secret.New("b"))).Get(ctx, secrets.Ref{Name: "A", Item: "x"})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
}

func TestKamalLines(t *testing.T) {
	p := awssm.New("eu-central-1", awssm.WithProfile("deploy"))
	lines, err := p.KamalLines([]secrets.Ref{p.Ref("KAMAL_REGISTRY_PASSWORD"), p.Ref("S3_SECRET_ACCESS_KEY"), {Name: "DB_PASSWORD", Item: "shop/db"}})
	require.NoError(t, err)
	require.Equal(t, []string{
		"SECRETS=$(kamal secrets fetch --adapter aws_secrets_manager --account deploy kamal shop/db)",
		"KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract kamal/KAMAL_REGISTRY_PASSWORD ${SECRETS})",
		"S3_SECRET_ACCESS_KEY=$(kamal secrets extract kamal/S3_SECRET_ACCESS_KEY ${SECRETS})",
		"DB_PASSWORD=$(kamal secrets extract shop/db ${SECRETS})",
	}, lines)

	var many []secrets.Ref
	for i := range 21 {
		many = append(many, secrets.Ref{Name: "S" + strings.Repeat("X", i), Item: "id" + strings.Repeat("x", i)})
	}
	lines, err = awssm.New("r").KamalLines(many)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(lines[1], "SECRETS_2=$(kamal secrets fetch --adapter aws_secrets_manager id"+strings.Repeat("x", 20)+")"), lines[1])
	require.Equal(t, "S"+strings.Repeat("X", 20)+"=$(kamal secrets extract id"+strings.Repeat("x", 20)+" ${SECRETS_2})", lines[len(lines)-1])

	_, err = p.KamalLines([]secrets.Ref{{Name: "A", Item: "$(evil)"}})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
}
