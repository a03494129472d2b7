package kamal

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "golden file missing; run go test ./kamal -update")
	require.Equal(t, string(want), string(got))
}

func full() Config {
	f := false
	return Config{
		Service:  "shop",
		Image:    "me/shop",
		Servers:  map[string][]string{"web": {"203.0.113.10"}},
		Proxy:    &Proxy{Host: "shop.example.com", SSL: true},
		Registry: &Registry{Server: "ghcr.io", Username: "me", PasswordSecret: "KAMAL_REGISTRY_PASSWORD"},
		Builder:  &Builder{Arch: "amd64", Remote: "ssh://root@203.0.113.10", Local: &f},
		SSH:      &SSH{User: "root"},
		Env: Env{
			Clear:  map[string]string{"S3_ENDPOINT": "https://fsn1.your-objectstorage.com", "S3_REGION": "fsn1", "S3_BUCKET": "shop-uploads"},
			Secret: []string{"S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"},
		},
	}
}

func TestRenderFresh(t *testing.T) {
	out, err := Render(full(), nil)
	require.NoError(t, err)
	require.NoError(t, Validate(out))
	golden(t, "fresh.deploy.yml", out)

	again, err := Render(full(), out)
	require.NoError(t, err)
	require.Equal(t, string(out), string(again), "rendering over our own output changed it")
}

const userFile = `# My app. Deployed with Kamal.
service: oldname # the service

# Keep this image comment
image: me/oldimage

servers:
  web:
    hosts:
      - 10.0.0.9
    cmd: bin/rails server # custom
  jobs:
    - 10.0.0.10

proxy:
  app_port: 3000
  healthcheck:
    path: /health

builder:
  arch: arm64
  dockerfile: Dockerfile.prod

env:
  RAILS_LOG_TO_STDOUT: "1"

x-anchors: &defaults
  retries: 3

volumes:
  - /data:/data
`

func TestRenderMergeKeepsUserContent(t *testing.T) {
	cfg := full()
	out, err := Render(cfg, []byte(userFile))
	require.NoError(t, err)
	s := string(out)
	for _, keep := range []string{
		"# My app. Deployed with Kamal.",
		"# Keep this image comment",
		"# the service",
		"cmd: bin/rails server # custom",
		"jobs:\n    - 10.0.0.10",
		"app_port: 3000",
		"path: /health",
		"dockerfile: Dockerfile.prod",
		"RAILS_LOG_TO_STDOUT: \"1\"",
		"x-anchors: &defaults",
		"- /data:/data",
	} {
		require.Contains(t, s, keep)
	}
	require.Contains(t, s, "service: shop")
	require.Contains(t, s, "image: me/shop")
	require.Contains(t, s, "arch: amd64")
	require.NotContains(t, s, "10.0.0.9", "the web role's hosts are assemble's")
	// Order: the user's keys stay where they were.
	require.Less(t, strings.Index(s, "service:"), strings.Index(s, "image:"))
	require.Less(t, strings.Index(s, "servers:"), strings.Index(s, "proxy:"))
	require.Less(t, strings.Index(s, "x-anchors"), strings.Index(s, "volumes:"))
	require.NoError(t, Validate(out))
	golden(t, "merged.deploy.yml", out)
}

func TestRenderLocalRegistryNeedsNoPassword(t *testing.T) {
	cfg := Config{
		Service:  "shop",
		Image:    "shop",
		Servers:  map[string][]string{"web": {"127.0.1.5"}},
		Proxy:    &Proxy{Host: "shop.example.com", SSL: true},
		Registry: &Registry{Server: "localhost:5555"},
		Builder:  &Builder{Arch: "amd64"},
	}
	out, err := Render(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, Validate(out))
	require.NotContains(t, string(out), "password")
}

func TestValidateRules(t *testing.T) {
	base := func(extra string) string {
		return "service: shop\nimage: me/shop\nservers:\n  web:\n    - 1.2.3.4\nregistry:\n  username: me\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\n" + extra
	}
	require.NoError(t, Validate([]byte(base(""))))
	cases := map[string]struct{ doc, want string }{
		"missing service":       {strings.Replace(base(""), "service: shop\n", "", 1), "Missing required configuration for service"},
		"bad service":           {strings.Replace(base(""), "service: shop", "service: my.shop", 1), "Service name can only include"},
		"missing image":         {strings.Replace(base(""), "image: me/shop\n", "", 1), "Missing required configuration for image"},
		"missing registry":      {"service: shop\nimage: x\nservers: [1.2.3.4]\nbuilder: {arch: amd64}\n", "Missing required configuration for registry"},
		"no servers":            {"service: shop\nimage: x\nregistry: {server: localhost:5555}\nbuilder: {arch: amd64}\n", "No servers or accessories"},
		"unknown root key":      {base("colour: blue\n"), "unknown key: colour"},
		"password list of two":  {strings.Replace(base(""), "[KAMAL_REGISTRY_PASSWORD]", "[A, B]", 1), "registry/password: should be a string or an array with one string"},
		"password missing":      {strings.Replace(base(""), "  password: [KAMAL_REGISTRY_PASSWORD]\n", "", 1), "registry/password: is required"},
		"registry unknown key":  {strings.Replace(base(""), "  username: me\n", "  username: me\n  token: x\n", 1), "registry: unknown key: token"},
		"arch missing":          {strings.Replace(base(""), "  arch: amd64\n", "  remote: ssh://root@1.2.3.4\n", 1), "Builder arch not set"},
		"local false no remote": {strings.Replace(base(""), "  arch: amd64\n", "  arch: amd64\n  local: false\n", 1), "Cannot disable local builds"},
		"builder unknown key":   {strings.Replace(base(""), "  arch: amd64\n", "  arch: amd64\n  colour: x\n", 1), "builder: unknown key: colour"},
		"ssl without host":      {base("proxy:\n  ssl: true\n"), "Must set a host to enable automatic SSL"},
		"host and hosts":        {base("proxy:\n  host: a.com\n  hosts: [b.com]\n"), "Specify one of 'host' or 'hosts'"},
		"ssl two servers":       {strings.Replace(base("proxy:\n  host: a.com\n  ssl: true\n"), "    - 1.2.3.4\n", "    - 1.2.3.4\n    - 1.2.3.5\n", 1), "SSL is only supported on a single server"},
		"env unknown key":       {base("env:\n  clear: {A: b}\n  secrets: [X]\n"), "env: unknown key: secrets"},
		"ssh unknown key":       {base("ssh:\n  user: root\n  password: x\n"), "ssh: unknown key: password"},
		"no web hosts":          {strings.Replace(base(""), "  web:\n    - 1.2.3.4\n", "  jobs:\n    - 1.2.3.4\n", 1), `primary role "web" has no hosts`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := Validate([]byte(c.doc))
			require.Error(t, err)
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
			require.Contains(t, err.Error(), c.want)
		})
	}
	require.NoError(t, Validate([]byte(base("x-extension: {a: 1}\n"))), "x- root keys are extensions")
}

func TestMergeSecrets(t *testing.T) {
	existing := "# mine\nRAILS_MASTER_KEY=$(cat config/master.key)\nKAMAL_REGISTRY_PASSWORD=old\n"
	lines := []string{"SECRETS=$(kamal secrets fetch --adapter 1password --account acme --from Deploy/shop KAMAL_REGISTRY_PASSWORD)", "KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract KAMAL_REGISTRY_PASSWORD ${SECRETS})"}
	got := mergeSecrets(existing, headerFetched, lines)
	want := "# mine\nRAILS_MASTER_KEY=$(cat config/master.key)\nKAMAL_REGISTRY_PASSWORD=$(kamal secrets extract KAMAL_REGISTRY_PASSWORD ${SECRETS})\n\n" + headerFetched + "\nSECRETS=$(kamal secrets fetch --adapter 1password --account acme --from Deploy/shop KAMAL_REGISTRY_PASSWORD)\n"
	require.Equal(t, want, got)
	// Idempotent.
	require.Equal(t, got, mergeSecrets(got, headerFetched, lines))
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	lines := SecretsFile{Lines: []string{"KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD"}, Header: headerEnvironment}
	op, err := WriteFiles(dir, "", full(), lines)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	fi, err := os.Stat(filepath.Join(dir, ".kamal/secrets"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	op, err = WriteFiles(dir, "", full(), lines)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)

	// A destination gets its own files and is validated as an overlay.
	staging := Config{Servers: map[string][]string{"web": {"198.51.100.7"}}, Proxy: &Proxy{Host: "staging.shop.example.com", SSL: true}}
	op, err = WriteFiles(dir, "staging", staging, lines)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	b, err := os.ReadFile(filepath.Join(dir, "config/deploy.staging.yml"))
	require.NoError(t, err)
	require.Contains(t, string(b), "staging.shop.example.com")
	_, err = os.Stat(filepath.Join(dir, ".kamal/secrets.staging"))
	require.NoError(t, err)

	_, err = WriteFiles(dir, "Bad Dest", staging, SecretsFile{})
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)

	// Invalid output is refused before anything is written.
	bad := full()
	bad.Builder = &Builder{}
	dir2 := t.TempDir()
	_, err = WriteFiles(dir2, "", Config{Service: "shop", Image: "x", Servers: map[string][]string{"web": {"1.2.3.4"}}, Registry: &Registry{Username: "me"}}, SecretsFile{})
	require.ErrorContains(t, err, "registry/password: is required")
	entries, _ := os.ReadDir(dir2)
	require.Empty(t, entries)
}
