package sandbox

import (
	"path/filepath"
	"time"

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
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sshkey"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
)

// The sandbox's poll intervals: its simulated waits are short.
const (
	pollMin = 20 * time.Millisecond
	pollMax = 200 * time.Millisecond
)

// SSHKey returns the spec of the sandbox's SSH key: Options.SSHKeyPath, by
// default kept in its directory (never in the user's ~/.ssh).
func (s *Sandbox) SSHKey() sshkey.Spec {
	return sshkey.Spec{Path: s.keyPath, Comment: "assemble-sandbox"}
}

// KnownHosts returns the known_hosts file the sandbox's builder writes to
// (never the user's ~/.ssh/known_hosts).
func (s *Sandbox) KnownHosts() string { return filepath.Join(s.dir, "ssh", "known_hosts") }

// HetznerProvider returns a Hetzner Cloud provider wired to the simulator, polling
// and waiting at the simulator's pace (with a scaled Profile: the
// provider's defaults in the profile's time).
func (s *Sandbox) HetznerProvider(opts ...hetzner.Option) *hetzner.Provider {
	base := append([]hetzner.Option{
		hetzner.WithEndpoint(s.Hetzner.URL()),
		hetzner.WithLogger(s.logger),
		hetzner.WithDialer(s.Dial),
	}, s.hetznerPace()...)
	return hetzner.New(secret.New(s.creds.HetznerToken), append(base, opts...)...)
}

// CloudflareProvider returns a Cloudflare provider wired to the simulator,
// verifying records at the simulator's authoritative DNS server.
func (s *Sandbox) CloudflareProvider(opts ...cloudflare.Option) *cloudflare.Provider {
	base := []cloudflare.Option{
		cloudflare.WithBaseURL(s.Cloudflare.URL()),
		cloudflare.WithLogger(s.logger),
		cloudflare.WithVerify(
			dns.WithNameserverAddrs(s.Cloudflare.NameserverAddrs()),
			dns.WithDialer(s.Dial),
			dns.WithInterval(s.verifyPace()),
		),
	}
	return cloudflare.New(secret.New(s.creds.CloudflareToken), append(base, opts...)...)
}

// DNSProvider returns the DNS provider Options.DNS picks.
func (s *Sandbox) DNSProvider() dns.Provider {
	if s.dnsKind == "hetzner" {
		return s.HetznerDNSProvider()
	}
	return s.CloudflareProvider()
}

// HetznerDNSProvider returns a Hetzner DNS provider (the Cloud API's zones
// and RRsets) wired to the Hetzner simulator, verifying records at its
// authoritative DNS listeners. The sandbox's zone is in both DNS simulators.
func (s *Sandbox) HetznerDNSProvider(opts ...hetznerdns.Option) *hetznerdns.Provider {
	s.ensureHetznerZone()
	base := []hetznerdns.Option{
		hetznerdns.WithEndpoint(s.Hetzner.URL()),
		hetznerdns.WithLogger(s.logger),
		hetznerdns.WithPollInterval(pollMin, pollMax),
		hetznerdns.WithVerify(
			dns.WithNameserverAddrs(s.Hetzner.NameserverAddrs()),
			dns.WithDialer(s.Dial),
			dns.WithInterval(20*time.Millisecond),
		),
	}
	return hetznerdns.New(secret.New(s.creds.HetznerToken), append(base, opts...)...)
}

// ensureHetznerZone puts the sandbox's zone into the Hetzner simulator once.
func (s *Sandbox) ensureHetznerZone() {
	for _, z := range s.Hetzner.Zones() {
		if z.Name == s.zone {
			return
		}
	}
	s.Hetzner.AddZone(hetznertest.ZoneRecord{Name: s.zone})
}

// S3Provider returns Hetzner Object Storage (fsn1) pointed at the S3
// simulator.
func (s *Sandbox) S3Provider(opts ...s3.Option) *s3.Provider {
	base := []s3.Option{s3.WithEndpoint(s.S3.URL()), s3.WithInsecure(), s3.WithLogger(s.logger)}
	return s3.Hetzner("fsn1", secret.New(s.creds.S3AccessKey), secret.New(s.creds.S3SecretKey), append(base, opts...)...)
}

// RegistrySpec returns the login for the registry simulator, for image
// repository repo ("shop").
func (s *Sandbox) RegistrySpec(repo string) registry.Spec {
	return registry.Distribution("http://"+s.Registry.Host(), s.creds.RegistryUser, secret.New(s.creds.RegistryPassword), repo)
}

// SecretsStore returns the plain .kamal/secrets store in AppDir, the
// fallback a team without a password manager uses.
func (s *Sandbox) SecretsStore() *file.Store { return file.New(s.appDir) }

// Recipe returns a recipe named name with every ingredient wired to the
// sandbox: the SSH key, a cx33 server (8 GB: enough to build on) in fsn1
// that is also the builder, a
// bucket, the A record name.Zone(), the registry login and the file secrets
// store.
func (s *Sandbox) Recipe(name string, opts ...assemble.Option) *assemble.Recipe {
	return s.recipe(name, s.HetznerProvider(), server.Spec{Name: name + "-1", Type: "cx33", Location: "fsn1"}, builder.AtBoot(), opts...)
}

// RecipeOn is Recipe with another server: p is s.RobotProvider(…) (a
// dedicated server) or s.StaticProvider() (a host you already have). Such
// hosts get no cloud-init from assemble, so the builder installs Docker with
// Docker's convenience script, as Kamal does.
func (s *Sandbox) RecipeOn(name string, p server.Provider, spec server.Spec, opts ...assemble.Option) *assemble.Recipe {
	return s.recipe(name, p, spec, builder.ConvenienceScript(), opts...)
}

func (s *Sandbox) recipe(name string, p server.Provider, spec server.Spec, install builder.Installer, opts ...assemble.Option) *assemble.Recipe {
	opts = append([]assemble.Option{assemble.WithLogger(s.logger), assemble.WithDialer(s.Dial)}, opts...)
	return assemble.New(name, opts...).
		SSHKey(s.SSHKey()).
		Server(p, spec).
		Storage(s.S3Provider(), storage.BucketSpec{Name: name + "-uploads", PublicPrefixes: []string{"public/"}}).
		Domain(s.DNSProvider(), dns.RecordSpec{Name: name + "." + s.zone}).
		Registry(s.RegistrySpec(name)).
		Secrets(s.SecretsStore()).
		Builder(builder.Spec{Install: install, KnownHostsPath: s.KnownHosts()})
}
