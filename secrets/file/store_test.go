package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

func TestPutKeepsUserLinesAndModes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".kamal"), 0o755))
	user := "# my own comment\nRAILS_MASTER_KEY=$(cat config/master.key)\nKAMAL_REGISTRY_PASSWORD=old\nOTHER='x y'\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".kamal/secrets"), []byte(user), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("/tmp\nnode_modules"), 0o640))

	s := New(dir)
	require.NoError(t, s.Check(ctx))
	pw := secret.New("n3w pa$$ 'word'")
	op, err := s.Put(ctx, s.Ref("KAMAL_REGISTRY_PASSWORD"), pw)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	op, err = s.Put(ctx, s.Ref("S3_SECRET_ACCESS_KEY"), secret.New("abc/DEF+1"))
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)

	got, err := os.ReadFile(filepath.Join(dir, ".kamal/secrets"))
	require.NoError(t, err)
	require.Equal(t, "# my own comment\nRAILS_MASTER_KEY=$(cat config/master.key)\n"+
		`KAMAL_REGISTRY_PASSWORD="n3w pa\$\$ 'word'"`+"\nOTHER='x y'\nS3_SECRET_ACCESS_KEY=abc/DEF+1\n", string(got))
	fi, err := os.Stat(filepath.Join(dir, ".kamal/secrets"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	gi, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	require.NoError(t, err)
	require.Equal(t, "/tmp\nnode_modules\n/.kamal/secrets\n", string(gi))
	fi, err = os.Stat(filepath.Join(dir, ".gitignore"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "the user's .gitignore mode is kept")
	di, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
	require.NoError(t, err)
	require.Equal(t, "/.kamal/secrets\n", string(di))

	// Round trip and idempotency: nothing changes on disk the second time.
	v, err := s.Get(ctx, s.Ref("KAMAL_REGISTRY_PASSWORD"))
	require.NoError(t, err)
	require.True(t, v.Equal(pw))
	before := snapshot(t, dir)
	op, err = s.Put(ctx, s.Ref("KAMAL_REGISTRY_PASSWORD"), pw)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, before, snapshot(t, dir))

	_, err = s.Get(ctx, s.Ref("RAILS_MASTER_KEY"))
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	_, err = s.Get(ctx, s.Ref("MISSING"))
	require.ErrorIs(t, err, ensure.ErrNotFound)

	lines, err := s.KamalLines([]secrets.Ref{s.Ref("S3_SECRET_ACCESS_KEY"), s.Ref("KAMAL_REGISTRY_PASSWORD")})
	require.NoError(t, err)
	require.Equal(t, []string{"S3_SECRET_ACCESS_KEY=abc/DEF+1", `KAMAL_REGISTRY_PASSWORD="n3w pa\$\$ 'word'"`}, lines)
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = fi.Mode().String() + fi.ModTime().String() + string(b)
		return err
	}))
	return out
}

func TestQuoteRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir(), WithDestination("staging"))
	values := []string{"plain", "with space", "quote'single", "dq\"x", "$(rm -rf /)", "${HOME}", "multi\nline\nPEM",
		"multi'\nline", "ends\\", "#hash", "a=b", "tab\there", "back\\slash'q"}
	for i, v := range values {
		name := "V" + string(rune('A'+i))
		op, err := s.Put(ctx, s.Ref(name), secret.New(v))
		require.NoError(t, err, v)
		require.True(t, op.Mutates())
	}
	for i, v := range values {
		got, err := s.Get(ctx, s.Ref("V"+string(rune('A'+i))))
		require.NoError(t, err, v)
		require.Equal(t, v, got.Reveal())
	}
	require.FileExists(t, filepath.Join(s.dir, ".kamal/secrets.staging"))
	require.NoFileExists(t, filepath.Join(s.dir, ".kamal/secrets"))
	gi, _ := os.ReadFile(filepath.Join(s.dir, ".gitignore"))
	require.Equal(t, "/.kamal/secrets.staging\n", string(gi))

	_, err := s.Put(ctx, s.Ref("BAD"), secret.New(`it's \n zq9s3cr3t`))
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.NotContains(t, err.Error(), "zq9s3cr3t")
}

func TestIgnoreCovers(t *testing.T) {
	for line, want := range map[string]bool{
		".kamal/secrets": true, "/.kamal/secrets": true, ".kamal/": true, "/.kamal": true, ".kamal/*": true,
		".kamal/secrets*": true, ".kamal/sec*": true, "# .kamal/secrets": false, "!.kamal/secrets": false,
		".kamal/secrets-common": false, "secrets": false, "": false,
	} {
		require.Equal(t, want, covers(line, ".kamal/secrets"), line)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".gitignore"), []byte(".kamal/secrets*\n"), 0o644))
	op, err := ensureIgnored(filepath.Join(dir, ".gitignore"), ".kamal/secrets")
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	_, err := New(t.TempDir()).Put(ctx, secrets.Ref{Name: "bad-name"}, secret.New("x"))
	var ie *ensure.InvalidError
	require.ErrorAs(t, err, &ie)
	_, err = New(t.TempDir(), WithDestination("../x")).Put(ctx, secrets.Ref{Name: "A"}, secret.New("x"))
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	err = New(filepath.Join(t.TempDir(), "nope")).Check(ctx)
	require.ErrorIs(t, err, ensure.ErrPrecondition)
	var se *secrets.Error
	require.True(t, errors.As(err, &se))
	require.True(t, strings.HasPrefix(err.Error(), "check file: precondition failed"), err.Error())
}
