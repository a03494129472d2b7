package main

import (
	"fmt"
	"strings"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets/file"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/sshkey"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
)

// The environment the quickstart reads in real mode. HCLOUD_TOKEN switches
// it on; the others are then required unless marked optional.
var realVars = []struct{ name, what string }{
	{"HCLOUD_TOKEN", "Hetzner Cloud API token (read & write)"},
	{"CLOUDFLARE_API_TOKEN", "Cloudflare token with Zone:Read and DNS:Edit"},
	{"ASSEMBLE_DOMAIN", "the app's host name, e.g. shop.example.com (its zone must be in the Cloudflare account)"},
	{"ASSEMBLE_S3_ACCESS_KEY", "Hetzner Object Storage access key"},
	{"ASSEMBLE_S3_SECRET_KEY", "Hetzner Object Storage secret key"},
	{"ASSEMBLE_REGISTRY_USER", "GitHub user for ghcr.io"},
	{"ASSEMBLE_REGISTRY_TOKEN", "GitHub token with write:packages"},
}

// realRecipe builds the recipe against the real services from the
// environment: Hetzner Cloud (cx23 in ASSEMBLE_LOCATION, default fsn1),
// Hetzner Object Storage, Cloudflare DNS, ghcr.io, and a plain
// .kamal/secrets file in the app directory.
func realRecipe(f flags, getenv func(string) string, opts ...assemble.Option) (*assemble.Recipe, error) {
	var missing []string
	for _, v := range realVars {
		if getenv(v.name) == "" {
			missing = append(missing, fmt.Sprintf("  %s: %s", v.name, v.what))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("HCLOUD_TOKEN is set, so the quickstart uses the real services; it also needs:\n%s\n(unset HCLOUD_TOKEN to use the sandbox)", strings.Join(missing, "\n"))
	}
	location := getenv("ASSEMBLE_LOCATION")
	if location == "" {
		location = "fsn1"
	}
	serverType := getenv("ASSEMBLE_SERVER_TYPE")
	if serverType == "" {
		serverType = "cx23"
	}
	key := sshkey.File("~/.ssh/id_ed25519")
	user := getenv("ASSEMBLE_REGISTRY_USER")
	r := assemble.New(f.name, opts...).
		SSHKey(key).
		Server(hetzner.New(secret.New(getenv("HCLOUD_TOKEN"))), server.Spec{Name: f.name + "-1", Type: serverType, Location: location}).
		Storage(s3.Hetzner(location, secret.New(getenv("ASSEMBLE_S3_ACCESS_KEY")), secret.New(getenv("ASSEMBLE_S3_SECRET_KEY"))),
			storage.BucketSpec{Name: f.name + "-uploads"}).
		Domain(cloudflare.New(secret.New(getenv("CLOUDFLARE_API_TOKEN"))), dns.RecordSpec{Name: getenv("ASSEMBLE_DOMAIN")}).
		Registry(registry.GHCR(user, secret.New(getenv("ASSEMBLE_REGISTRY_TOKEN")), user+"/"+f.name)).
		Secrets(file.New(f.dir)).
		Builder(builder.Spec{Install: builder.AtBoot(), KnownHostsPath: "~/.ssh/known_hosts"})
	return r, nil
}
