//go:build integration

package awssm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/itest"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/awssm"
)

// TestIntegrationMotoKamalRoundTrip writes through the SDK into moto_server
// and reads back with the real aws CLI running the command Kamal's
// aws_secrets_manager adapter runs, then applies the adapter's key rules to
// check that every extract line would find its value.
func TestIntegrationMotoKamalRoundTrip(t *testing.T) {
	// scripts/integration exports ASSEMBLE_MOTO_REQUIRED=1 only after it
	// started moto_server; a machine without Python skips instead of
	// failing the strict run.
	if os.Getenv("ASSEMBLE_MOTO_REQUIRED") != "1" {
		t.Skip("moto_server was not started (" + os.Getenv("ASSEMBLE_MOTO_SKIP_REASON") + "); run scripts/integration on a machine with Python")
	}
	endpoint := itest.Require(t, "ASSEMBLE_MOTO_ENDPOINT", "moto_server")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const keyID, keySecret, region = "testing", "moto-secret-zq81", "us-east-1"
	id := fmt.Sprintf("assemble-it/%d", time.Now().UnixNano())
	p := awssm.New(region, awssm.WithEndpoint(endpoint), awssm.WithStaticCredentials(keyID, secret.New(keySecret)), awssm.WithSecretID(id))
	require.NoError(t, p.Check(ctx))

	values := map[string]string{"KAMAL_REGISTRY_PASSWORD": "pw with spaces 'zq81'", "S3_SECRET_ACCESS_KEY": "s3/zq81+key="}
	var refs []secrets.Ref
	for _, name := range []string{"KAMAL_REGISTRY_PASSWORD", "S3_SECRET_ACCESS_KEY"} {
		ref := p.Ref(name)
		refs = append(refs, ref)
		op, err := p.Put(ctx, ref, secret.New(values[name]))
		require.NoError(t, err)
		require.True(t, op.Mutates())
		op, err = p.Put(ctx, ref, secret.New(values[name]))
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
	}
	plain := secrets.Ref{Name: "DB_PASSWORD", Item: id + "-db"}
	refs = append(refs, plain)
	values["DB_PASSWORD"] = "db-zq81"
	_, err := p.Put(ctx, plain, secret.New("db-zq81"))
	require.NoError(t, err)
	for _, r := range refs {
		v, err := p.Get(ctx, r)
		require.NoError(t, err)
		require.Equal(t, values[r.Name], v.Reveal())
	}

	awsCLI := os.Getenv("ASSEMBLE_AWS_CLI")
	if awsCLI == "" {
		t.Skip("the aws CLI is not installed; SDK round trip checked, CLI read-back skipped")
	}
	// Kamal's adapter: aws secretsmanager batch-get-secret-value --secret-id-list IDS…
	// Credentials and endpoint go in the environment, never in argv.
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, awsCLI, "secretsmanager", "batch-get-secret-value", "--secret-id-list", id, id+"-db")
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+keyID, "AWS_SECRET_ACCESS_KEY="+keySecret, "AWS_DEFAULT_REGION="+region,
		"AWS_ENDPOINT_URL="+endpoint, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_PAGER=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	for _, a := range cmd.Args {
		require.NotContains(t, a, "zq81", "no secret on the command line")
	}

	var resp struct {
		SecretValues []struct{ Name, SecretString string }
		Errors       []struct{ SecretId, Message string }
	}
	require.NoError(t, json.Unmarshal(out, &resp))
	require.Empty(t, resp.Errors)
	// The adapter's rules: a JSON object expands to NAME/KEY, anything else is NAME.
	fetched := map[string]string{}
	for _, sv := range resp.SecretValues {
		obj := map[string]string{}
		if json.Unmarshal([]byte(sv.SecretString), &obj) == nil {
			for k, v := range obj {
				fetched[sv.Name+"/"+k] = v
			}
		} else {
			fetched[sv.Name] = sv.SecretString
		}
	}
	lines, err := p.KamalLines(refs)
	require.NoError(t, err)
	require.Equal(t, "SECRETS=$(kamal secrets fetch --adapter aws_secrets_manager "+id+" "+id+"-db)", lines[0])
	for i, r := range refs {
		// NAME=$(kamal secrets extract KEY ${SECRETS}) — the key must be there.
		line := lines[1+i]
		key := strings.TrimSuffix(strings.TrimPrefix(line, r.Name+"=$(kamal secrets extract "), " ${SECRETS})")
		require.Equal(t, values[r.Name], fetched[key], line)
	}
}
