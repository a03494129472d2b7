package kamal_test

import (
	"context"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/kamal"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/awssm"
	"github.com/assemblekit/assemble/secrets/bitwarden"
	"github.com/assemblekit/assemble/secrets/doppler"
	"github.com/assemblekit/assemble/secrets/file"
	"github.com/assemblekit/assemble/secrets/lastpass"
	"github.com/assemblekit/assemble/secrets/onepassword"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/storage"
)

// updating reports the -update flag, which render_test.go defines for the
// package's test binary.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if updating() {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "golden file missing; run go test ./kamal -update")
	require.Equal(t, string(want), string(got))
}

// fixture is what a full recipe produces, with fixed values.
func fixture(store secrets.Provider) *assemble.Outputs {
	out := &assemble.Outputs{Recipe: "shop"}
	out.Server = &server.Server{Name: "shop-1", IPv4: netip.MustParseAddr("203.0.113.10"), SSHAddr: "203.0.113.10:22", User: "root", Arch: "amd64"}
	out.Record = &dns.Record{Name: "shop.example.com", Type: "A", Content: "203.0.113.10"}
	out.Bucket = &storage.Bucket{Name: "shop-uploads", Region: "fsn1", Endpoint: "https://fsn1.your-objectstorage.com",
		AccessKey: secret.New("AKIDEXAMPLE"), SecretKey: secret.New("s3-secret-value")}
	out.Registry = &registry.Login{Server: "ghcr.io", Username: "me", Image: "me/shop", PasswordSecret: "KAMAL_REGISTRY_PASSWORD", Password: secret.New("ghp_token_value")}
	out.Builder = &builder.Builder{Arch: "amd64", Remote: "ssh://root@203.0.113.10", Local: false}
	if store != nil {
		names := []string{"KAMAL_REGISTRY_PASSWORD", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "RAILS_MASTER_KEY"}
		st := &assemble.StoredSecrets{Store: store, App: []string{"RAILS_MASTER_KEY"}}
		for _, n := range names {
			st.Refs = append(st.Refs, store.Ref(n))
		}
		out.Secrets = st
	}
	return out
}

func TestGoldenPerPasswordManager(t *testing.T) {
	fileDir := t.TempDir()
	fileStore := file.New(fileDir)
	for n, v := range map[string]string{"KAMAL_REGISTRY_PASSWORD": "ghp_token_value", "S3_ACCESS_KEY_ID": "AKIDEXAMPLE", "S3_SECRET_ACCESS_KEY": "s3-secret-value", "RAILS_MASTER_KEY": "rails key"} {
		_, err := fileStore.Put(context.Background(), fileStore.Ref(n), secret.New(v))
		require.NoError(t, err)
	}
	stores := map[string]secrets.Provider{
		"none":        nil,
		"onepassword": onepassword.New("acme.1password.com", "Deploy"),
		"lastpass":    lastpass.New("ops@example.com"),
		"bitwarden":   bitwarden.New("ops@example.com"),
		"awssm":       awssm.New("eu-central-1"),
		"doppler":     doppler.New("shop", "prd"),
		"file":        fileStore,
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			op, err := kamal.Write(dir, fixture(store), kamal.App{AppPort: 3000})
			require.NoError(t, err)
			require.Equal(t, ensure.Created, op)
			deploy, err := os.ReadFile(filepath.Join(dir, "config/deploy.yml"))
			require.NoError(t, err)
			require.NoError(t, kamal.Validate(deploy))
			if name == "none" {
				golden(t, "none.deploy.yml", deploy)
			} else {
				golden(t, "full.deploy.yml", deploy)
			}
			sec, err := os.ReadFile(filepath.Join(dir, ".kamal/secrets"))
			require.NoError(t, err)
			golden(t, name+".secrets", sec)
			if name != "file" {
				for _, v := range []string{"ghp_token_value", "s3-secret-value", "AKIDEXAMPLE"} {
					require.NotContains(t, string(sec)+string(deploy), v, "a secret value was written down")
				}
			}
			fi, err := os.Stat(filepath.Join(dir, ".kamal/secrets"))
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
			for _, ig := range []string{".gitignore", ".dockerignore"} {
				b, err := os.ReadFile(filepath.Join(dir, ig))
				if name == "file" {
					require.NoError(t, err, "raw values written but %s missing", ig)
					require.Contains(t, string(b), ".kamal/secrets")
				} else {
					require.Error(t, err, "%s written although no raw value was", ig)
				}
			}

			op, err = kamal.Write(dir, fixture(store), kamal.App{AppPort: 3000})
			require.NoError(t, err)
			require.Equal(t, ensure.Unchanged, op)
		})
	}
}

func TestWriteKeepsUserContent(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "config"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".kamal"), 0o755))
	user := "# deploy config\nservice: shop\nvolumes:\n  - /data:/data # persistent\nproxy:\n  app_port: 3000\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config/deploy.yml"), []byte(user), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".kamal/secrets"), []byte("RAILS_MASTER_KEY=$(cat config/master.key)\n"), 0o600))
	_, err := kamal.Write(dir, fixture(nil), kamal.App{})
	require.NoError(t, err)
	deploy, _ := os.ReadFile(filepath.Join(dir, "config/deploy.yml"))
	for _, keep := range []string{"# deploy config", "- /data:/data # persistent", "app_port: 3000", "host: shop.example.com"} {
		require.Contains(t, string(deploy), keep)
	}
	sec, _ := os.ReadFile(filepath.Join(dir, ".kamal/secrets"))
	require.True(t, strings.HasPrefix(string(sec), "RAILS_MASTER_KEY=$(cat config/master.key)\n"))
	require.Contains(t, string(sec), "KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD")
}

func TestWriteDestination(t *testing.T) {
	dir := t.TempDir()
	_, err := kamal.Write(dir, fixture(nil), kamal.App{})
	require.NoError(t, err)
	staging := fixture(nil)
	staging.Server.IPv4 = netip.MustParseAddr("198.51.100.7")
	staging.Server.SSHAddr = "198.51.100.7:22"
	staging.Record.Name = "staging.shop.example.com"
	_, err = kamal.Write(dir, staging, kamal.App{Destination: "staging"})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "config/deploy.staging.yml"))
	require.NoError(t, err)
	require.Contains(t, string(b), "198.51.100.7")
	require.NotContains(t, string(b), "service:", "the overlay repeats the base's service")
	require.FileExists(t, filepath.Join(dir, ".kamal/secrets.staging"))
}
