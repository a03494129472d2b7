package main

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	hetznerdns "github.com/assemblekit/assemble/dns/hetzner"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets/file"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/static"
	"github.com/assemblekit/assemble/sshkey"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
)

// The environment the quickstart reads in real mode. The server kind's
// switch variable (HCLOUD_TOKEN, ROBOT_USER or ASSEMBLE_HOST) turns real mode
// on; the rest are then required.
var (
	dnsVars = map[string][]envVar{
		"cloudflare": {{"CLOUDFLARE_API_TOKEN", "Cloudflare token with Zone:Read and DNS:Edit"}},
		"hetzner":    {{"HCLOUD_TOKEN", "Hetzner Cloud API token of the project holding the DNS zone"}},
	}
	commonVars = []envVar{
		{"ASSEMBLE_DOMAIN", "the app's host name, e.g. shop.example.com (its zone must be in the Cloudflare account)"},
		{"ASSEMBLE_S3_ACCESS_KEY", "Hetzner Object Storage access key"},
		{"ASSEMBLE_S3_SECRET_KEY", "Hetzner Object Storage secret key"},
		{"ASSEMBLE_REGISTRY_USER", "GitHub user for ghcr.io"},
		{"ASSEMBLE_REGISTRY_TOKEN", "GitHub token with write:packages"},
	}
	serverVars = map[string][]envVar{
		"hetzner": {{"HCLOUD_TOKEN", "Hetzner Cloud API token (read & write)"}},
		"robot": {
			{"ROBOT_USER", "Hetzner Robot webservice user"},
			{"ROBOT_PASSWORD", "Hetzner Robot webservice password"},
			{"ASSEMBLE_ROBOT_HOST_KEY", "the server's SSH host key as a known_hosts or authorized_keys line (from the rescue system or the server's console)"},
		},
		"static": {{"ASSEMBLE_HOST", "the host you already have: address or address:port; its host key must be in ~/.ssh/known_hosts"}},
	}
)

type envVar struct{ name, what string }

// realMode reports whether the environment asks for the real services for
// this kind of server.
func realMode(kind string, getenv func(string) string) bool {
	return getenv(serverVars[kind][0].name) != ""
}

// realRecipe builds the recipe against the real services from the
// environment: the server (Hetzner Cloud cx33 in ASSEMBLE_LOCATION, default
// fsn1; a Robot dedicated server named --name-dedicated; or ASSEMBLE_HOST),
// Hetzner Object Storage, Cloudflare DNS, ghcr.io, and a plain
// .kamal/secrets file in the app directory.
func realRecipe(f flags, getenv func(string) string, opts ...assemble.Option) (*assemble.Recipe, error) {
	var missing []string
	need := append(append(append([]envVar(nil), serverVars[f.server]...), dnsVars[f.dns]...), commonVars...)
	seen := map[string]bool{}
	for _, v := range need {
		if seen[v.name] {
			continue
		}
		seen[v.name] = true
		if getenv(v.name) == "" {
			missing = append(missing, fmt.Sprintf("  %s: %s", v.name, v.what))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s is set, so the quickstart uses the real services; it also needs:\n%s\n(unset it to use the sandbox)",
			serverVars[f.server][0].name, strings.Join(missing, "\n"))
	}
	location := getenv("ASSEMBLE_LOCATION")
	if location == "" {
		location = "fsn1"
	}
	keyPath := "~/.ssh/id_ed25519"
	var (
		p       server.Provider
		spec    = server.Spec{Name: f.name + "-1"}
		install = builder.AtBoot()
	)
	switch f.server {
	case "hetzner":
		serverType := getenv("ASSEMBLE_SERVER_TYPE")
		if serverType == "" {
			serverType = "cx33" // 8 GB: the floor for building on the server
		}
		spec.Type, spec.Location = serverType, location
		p = hetzner.New(secret.New(getenv("HCLOUD_TOKEN")))
	case "robot":
		hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hostKeyField(getenv("ASSEMBLE_ROBOT_HOST_KEY"))))
		if err != nil {
			return nil, fmt.Errorf("ASSEMBLE_ROBOT_HOST_KEY: not an SSH public key line: %w", err)
		}
		spec.Name = f.name + "-dedicated"
		install = builder.ConvenienceScript()
		p = robot.New(getenv("ROBOT_USER"), secret.New(getenv("ROBOT_PASSWORD")), robot.WithPinnedHostKey(hostKey))
	case "static":
		key, _, err := sshkey.Ensure(context.Background(), sshkey.File(keyPath))
		if err != nil {
			return nil, err
		}
		install = builder.ConvenienceScript()
		p = static.New(getenv("ASSEMBLE_HOST"), static.WithKnownHosts("~/.ssh/known_hosts"), static.WithSigner(key.Signer()))
	}
	var dnsProvider dns.Provider = cloudflare.New(secret.New(getenv("CLOUDFLARE_API_TOKEN")))
	if f.dns == "hetzner" {
		dnsProvider = hetznerdns.New(secret.New(getenv("HCLOUD_TOKEN")))
	}
	user := getenv("ASSEMBLE_REGISTRY_USER")
	r := assemble.New(f.name, opts...).
		SSHKey(sshkey.File(keyPath)).
		Server(p, spec).
		Storage(s3.Hetzner(location, secret.New(getenv("ASSEMBLE_S3_ACCESS_KEY")), secret.New(getenv("ASSEMBLE_S3_SECRET_KEY"))),
			storage.BucketSpec{Name: f.name + "-uploads"}).
		Domain(dnsProvider, dns.RecordSpec{Name: getenv("ASSEMBLE_DOMAIN")}).
		Registry(registry.GHCR(user, secret.New(getenv("ASSEMBLE_REGISTRY_TOKEN")), user+"/"+f.name)).
		Secrets(file.New(f.dir)).
		Builder(builder.Spec{Install: install, KnownHostsPath: "~/.ssh/known_hosts"})
	return r, nil
}

// hostKeyField drops a known_hosts line's host field, leaving
// "keytype base64 [comment]".
func hostKeyField(line string) string {
	fields := strings.Fields(line)
	if len(fields) >= 3 && !strings.HasPrefix(fields[0], "ssh-") && !strings.HasPrefix(fields[0], "ecdsa-") {
		return strings.Join(fields[1:], " ")
	}
	return line
}
